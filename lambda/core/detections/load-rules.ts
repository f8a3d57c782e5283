import { SluiceError } from '../errors';
import { RuleIndex } from './rule-index';
import type { SourceDescriptor } from './sigma/logsource';
import { loadRules, type RuleFile, type RuleSet } from './sigma/rule-set';

/**
 * Compiles every rule file, cross-checked as a set. Throws `RULE_INVALID` naming every problem on a
 * line of its own, `file:line:column: reason` (what editors and CI annotate), also in
 * `context.problems`.
 */
export function compileDetectionRules(files: readonly RuleFile[]): RuleSet {
  const { ruleSet, errors } = loadRules(files);
  if (ruleSet) return ruleSet;
  const problems = errors.map((error) => error.message);
  const failing = new Set(errors.map((error) => error.file)).size;
  throw new SluiceError(
    'RULE_INVALID',
    `detection rules do not compile: ${problems.length} problem(s) in ${failing} of ${files.length} rule file(s)\n${problems.join('\n')}`,
    { problems, files: files.length },
  );
}

/**
 * Reads the rule files as the stack bundles them (`detection-rules.json`: `[{ "path", "text" }]`).
 * Throws `RULES_FILE_INVALID` for anything else: the bundle was not built by the sluice stack.
 */
export function parseRuleFiles(json: string, origin = 'detection-rules.json'): RuleFile[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new SluiceError(
      'RULES_FILE_INVALID',
      `${origin} is not JSON (${(error as Error).message}). Fix: deploy the forwarder with the sluice stack`,
      { origin },
    );
  }
  const isRuleFile = (entry: unknown): entry is RuleFile =>
    typeof entry === 'object' &&
    entry !== null &&
    typeof (entry as RuleFile).path === 'string' &&
    typeof (entry as RuleFile).text === 'string';
  if (!Array.isArray(parsed) || !parsed.every(isRuleFile)) {
    throw new SluiceError(
      'RULES_FILE_INVALID',
      `${origin} is not a list of {"path", "text"} rule files. Fix: deploy the forwarder with the sluice stack`,
      { origin },
    );
  }
  return parsed.map(({ path, text }) => ({ path, text }));
}

/**
 * The rules compiled and bound to the sources records are read from (the forwarder's, at start-up):
 * a source binds rules by its name or preset (`logsource.product`).
 */
export function buildRuleIndex(files: readonly RuleFile[], sources: readonly SourceDescriptor[]): RuleIndex {
  return new RuleIndex(compileDetectionRules(files), sources);
}
