/** `<rule>.tests.yml`: a rule test file (see rule-tests.ts), never a rule. */
export function isRuleTestFile(path: string): boolean {
  return /\.tests\.ya?ml$/i.test(path);
}

/** A Sigma rule file: YAML, and not a rule test file. */
export function isRuleFile(path: string): boolean {
  return /\.ya?ml$/i.test(path) && !isRuleTestFile(path);
}
