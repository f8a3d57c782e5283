/** `<rule>.tests.yml`: a rule test file (see rule-tests.ts), never a rule. */
export function isRuleTestFile(path: string): boolean {
  return /\.tests\.ya?ml$/i.test(path);
}

/** A Sigma rule file: YAML, and not a rule test file. */
export function isRuleFile(path: string): boolean {
  return /\.ya?ml$/i.test(path) && !isRuleTestFile(path);
}

/**
 * `<rule>.test.yml`: almost surely a rule test misnamed (they end in `.tests.yml`). As a rule it fails
 * to compile and as records it is unreadable, so both are told the name to use.
 */
export function isMisnamedRuleTestFile(path: string): boolean {
  return /\.test\.ya?ml$/i.test(path);
}

/** The hint for a misnamed rule test file: the name it should have. */
export function ruleTestNameHint(path: string): string {
  return `rule test files end in .tests.yml. Fix: if ${path} is one, rename it to ${path.replace(/\.test(\.ya?ml)$/i, '.tests$1')}`;
}
