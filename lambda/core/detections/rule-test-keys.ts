import { isMap, isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { SluiceError } from '../errors';

/** The keys of a rule test file, and of each of its cases (see rule-tests.ts). */
export const RULE_TEST_FILE_KEYS: readonly string[] = ['rule', 'source', 'timestampField', 'cases'];
export const RULE_TEST_CASE_KEYS: readonly string[] = [
  'name',
  'rule',
  'match',
  'alerts',
  'count',
  'group',
  'repeat',
  'records',
];

/** YAML's merge key (`<<: *record`), which rule test files use to keep variants short. */
const MERGE_KEY = '<<';

/** A rule test file that cannot be run as written: the message reads `file:line:column: reason`. */
export function ruleTestError(path: string, reason: string, at?: { line: number; col: number }): SluiceError {
  const where = at ? `${path}:${at.line}:${at.col}` : path;
  return new SluiceError('RULE_TEST_INVALID', `${where}: ${reason}`, { file: path, line: at?.line, reason });
}

/** A rule test file's values, and where each case starts (`cases[i]`), for messages. */
export interface RuleTestYaml {
  readonly value: unknown;
  readonly casePositions: readonly ({ line: number; col: number } | undefined)[];
}

/**
 * A rule test file's YAML as plain values, merge keys applied, once its keys are checked: a key a
 * file or case does not know is refused. A misspelt expectation (`alert: 1` for `alerts: 1`) would
 * otherwise be ignored and the case would pass without testing anything.
 */
export function readRuleTestYaml(path: string, text: string): RuleTestYaml {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, merge: true });
  if (document.errors.length > 0) {
    const [error] = document.errors;
    throw ruleTestError(path, `YAML: ${error.message.split('\n')[0]}`, lines.linePos(error.pos[0]));
  }
  const refuse = (map: YAMLMap, known: readonly string[], what: string): void => {
    for (const pair of map.items) {
      const value = isScalar(pair.key) ? pair.key.value : undefined;
      // The merge key is read as a symbol (or as `<<` text when merging is off).
      if (value === undefined || typeof value === 'symbol' || value === MERGE_KEY) continue;
      const key = String(value);
      if (known.includes(key)) continue;
      const at = isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]) : undefined;
      throw ruleTestError(path, `${what}unknown key "${key}" (known: ${known.join(', ')})`, at);
    }
  };
  const root = document.contents;
  const casePositions: ({ line: number; col: number } | undefined)[] = [];
  // Anything but a map: parseRuleTestFile says what a test file is.
  if (isMap(root)) {
    refuse(root, RULE_TEST_FILE_KEYS, '');
    const cases = root.get('cases');
    for (const item of isSeq(cases) ? cases.items : []) {
      const range = (item as { range?: [number, number, number] } | null)?.range;
      casePositions.push(range ? lines.linePos(range[0]) : undefined);
      if (!isMap(item)) continue;
      const name = item.get('name');
      refuse(item, RULE_TEST_CASE_KEYS, typeof name === 'string' ? `case "${name}": ` : 'a case: ');
    }
  }
  return { value: document.toJS(), casePositions };
}
