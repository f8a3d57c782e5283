import { MemoryAlertStore } from './alerts/store';
import { DetectionEngine } from './engine';
import type { DetectionRecord } from './records';
import { RuleIndex } from './rule-index';
import { readRuleTestYaml, ruleTestError } from './rule-test-keys';
import type { SourceDescriptor } from './sigma/logsource';
import type { RuleSet } from './sigma/rule-set';
import type { CompiledRule } from './sigma/types';
import { parseTimespan } from './timespan';
import { MemoryWindowStore } from './windows/memory-store';

/**
 * Rule test files (`<rule>.tests.yml` beside the rule): records that must or must not make a rule
 * fire. Shared by the pack's unit tests and `sluice detect test`.
 *
 * ```yaml
 * rule: sdm_destructive_sql_prod     # id or name of the rule under test
 * source: { name: strongdm, preset: strongdm }
 * cases:
 *   - name: DROP TABLE on a prod database
 *     match: true                    # each record alone matches the rule's detection (detection rules)
 *     alerts: 1                      # alerts the rule opens over the records, read one by one
 *     records: [{…}, {…}]
 *   - name: the base rule of a correlation matches, and alerts only through it
 *     rule: sdm_query                # this case's rule, when not the file's
 *     match: true
 *     alerts: 0
 *     records: [{…}]
 *   - name: a burst
 *     repeat: { times: 100, every: 1s }   # each record repeated (every: 500ms, 1s, 1m…), its timestamp moved and its id suffixed
 *     alerts: 1
 *     count: 100                     # the largest count among the alerts
 *     group: { actorAccountID: a-1 } # the group of the first alert
 *     records: [{…}]
 * ```
 */

/** Where a case starts in its file (1-based), for `file:line:column` messages. */
export interface CasePosition {
  readonly line: number;
  readonly column: number;
}

export interface RuleTestCase {
  readonly name: string;
  readonly at?: CasePosition;
  /** The rule under test for this case, when not the file's (e.g. the base rule of a correlation). */
  readonly rule?: string;
  readonly match?: boolean;
  readonly alerts?: number;
  readonly count?: number;
  readonly group?: Readonly<Record<string, unknown>>;
  readonly records: readonly Readonly<Record<string, unknown>>[];
}

export interface RuleTestFile {
  readonly path: string;
  readonly rule: string;
  readonly source: SourceDescriptor;
  /** Record field holding the event time. Default: `timestamp`. */
  readonly timestampField: string;
  readonly cases: readonly RuleTestCase[];
}

export interface RuleTestResult {
  readonly name: string;
  readonly at?: CasePosition;
  readonly failures: readonly string[];
}

function fail(path: string, reason: string, at?: CasePosition): Error {
  return ruleTestError(path, reason, at && { line: at.line, col: at.column });
}

const ID_FIELDS = ['id', 'uuid'];

function expand(
  path: string,
  raw: Record<string, unknown>,
  timestampField: string,
  at: CasePosition | undefined,
): Record<string, unknown>[] {
  const records = raw.records;
  if (!Array.isArray(records) || records.length === 0)
    throw fail(path, `case "${String(raw.name)}" needs records`, at);
  if (!records.every((record) => record !== null && typeof record === 'object' && !Array.isArray(record))) {
    throw fail(path, `case "${String(raw.name)}": records must be maps`, at);
  }
  const repeat = raw.repeat as { times?: unknown; every?: unknown } | undefined;
  if (repeat === undefined) return records as Record<string, unknown>[];
  const times = repeat.times;
  if (typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > 100_000) {
    throw fail(path, `case "${String(raw.name)}": repeat.times must be a whole number from 1`, at);
  }
  const every = String(repeat.every ?? '');
  const everyMs = /^\d+ms$/.test(every) ? Number(every.slice(0, -2)) : parseTimespan(every);
  const expanded: Record<string, unknown>[] = [];
  for (let i = 0; i < times; i += 1) {
    for (const template of records as Record<string, unknown>[]) {
      const copy: Record<string, unknown> = { ...template };
      const time = Date.parse(String(template[timestampField]));
      if (!Number.isFinite(time))
        throw fail(path, `case "${String(raw.name)}": a repeated record needs a ${timestampField}`, at);
      copy[timestampField] = new Date(time + i * everyMs).toISOString();
      for (const field of ID_FIELDS)
        if (typeof template[field] === 'string') copy[field] = `${template[field] as string}-${i}`;
      expanded.push(copy);
    }
  }
  return expanded;
}

export function parseRuleTestFile(path: string, text: string): RuleTestFile {
  // Merge keys (`<<: *record`) keep variants of one record short.
  const { value, casePositions } = readRuleTestYaml(path, text);
  const raw = value as Record<string, unknown> | null;
  if (raw === null || typeof raw !== 'object')
    throw fail(path, 'a test file is a map with rule, source and cases');
  if (typeof raw.rule !== 'string') throw fail(path, 'rule: the id or name of the rule under test');
  const source = raw.source as SourceDescriptor | undefined;
  if (!source || typeof source.name !== 'string') throw fail(path, 'source: { name, preset } of the records');
  const timestampField = typeof raw.timestampField === 'string' ? raw.timestampField : 'timestamp';
  if (!Array.isArray(raw.cases) || raw.cases.length === 0) throw fail(path, 'cases: a list of test cases');
  const cases = (raw.cases as Record<string, unknown>[]).map((item, index) => {
    const position = casePositions[index];
    const at = position && { line: position.line, column: position.col };
    if (typeof item.name !== 'string') throw fail(path, 'every case needs a name', at);
    if (item.match === undefined && item.alerts === undefined)
      throw fail(path, `case "${item.name}" expects nothing: give match or alerts`, at);
    return {
      name: item.name,
      at,
      rule: typeof item.rule === 'string' ? item.rule : undefined,
      match: item.match as boolean | undefined,
      alerts: item.alerts as number | undefined,
      count: item.count as number | undefined,
      group: item.group as Record<string, unknown> | undefined,
      records: expand(path, item, timestampField, at),
    };
  });
  return { path, rule: raw.rule, source, timestampField, cases };
}

function toDetectionRecord(
  file: RuleTestFile,
  record: Readonly<Record<string, unknown>>,
  index: number,
  caseName: string,
): DetectionRecord {
  const logType = typeof record.logType === 'string' ? record.logType : 'unknown';
  const ownId = ID_FIELDS.map((field) => record[field]).find((value) => typeof value === 'string') as
    string | undefined;
  return {
    id: ownId ?? `${caseName}#${index}`,
    source: file.source.name,
    logType,
    eventTimeMs: Date.parse(String(record[file.timestampField])),
    bucket: 'sluice-rule-tests',
    key: `${file.source.name}/${logType}/${file.path.replace(/^.*\//, '')}`,
    offset: index,
    value: record,
  };
}

function findRule(ruleSet: RuleSet, ref: string): CompiledRule | undefined {
  const matches = (rule: CompiledRule) => rule.key === ref || rule.id === ref || rule.name === ref;
  return ruleSet.detections.find(matches) ?? ruleSet.correlations.map((bound) => bound.rule).find(matches);
}

/** Runs one case: an empty `failures` is a pass. */
export async function runRuleTestCase(
  ruleSet: RuleSet,
  file: RuleTestFile,
  testCase: RuleTestCase,
): Promise<RuleTestResult> {
  const ref = testCase.rule ?? file.rule;
  const rule = findRule(ruleSet, ref);
  if (!rule)
    return { name: testCase.name, at: testCase.at, failures: [`no rule has the id or name "${ref}"`] };
  const failures: string[] = [];
  const index = new RuleIndex(ruleSet, [file.source]);
  const records = testCase.records.map((record, i) => toDetectionRecord(file, record, i, testCase.name));
  const engine = new DetectionEngine(index, {
    windows: new MemoryWindowStore(),
    alerts: new MemoryAlertStore(),
  });
  if (testCase.match !== undefined) {
    if (rule.kind !== 'detection')
      failures.push('match applies to detection rules; use alerts for a correlation');
    records.forEach((record, i) => {
      const matched = engine.match(record).some((candidate) => candidate.key === rule.key);
      if (matched !== testCase.match)
        failures.push(`record ${i + 1} ${matched ? 'matches' : 'does not match'}`);
    });
  }
  if (testCase.alerts !== undefined || testCase.count !== undefined || testCase.group !== undefined) {
    // Read one record at a time, as a stream delivers them.
    const opened = new Map<string, { count: number; group: Readonly<Record<string, unknown>> }>();
    const nowMs = Math.max(
      ...records.map((record) => (Number.isFinite(record.eventTimeMs) ? record.eventTimeMs : 0)),
    );
    for (const record of records) {
      for (const outcome of await engine.process([record], nowMs)) {
        if (outcome.alert.rule.key !== rule.key) continue;
        const seen = opened.get(outcome.alert.dedupKey);
        opened.set(outcome.alert.dedupKey, {
          count: Math.max(seen?.count ?? 0, outcome.alert.count),
          group: seen?.group ?? outcome.alert.group,
        });
      }
    }
    if (testCase.alerts !== undefined && opened.size !== testCase.alerts) {
      failures.push(`${opened.size} alert(s) opened, expected ${testCase.alerts}`);
    }
    const alerts = [...opened.values()];
    if (testCase.count !== undefined) {
      const count = Math.max(0, ...alerts.map((alert) => alert.count));
      if (count !== testCase.count) failures.push(`largest count ${count}, expected ${testCase.count}`);
    }
    if (testCase.group !== undefined && JSON.stringify(alerts[0]?.group) !== JSON.stringify(testCase.group)) {
      failures.push(`group ${JSON.stringify(alerts[0]?.group)}, expected ${JSON.stringify(testCase.group)}`);
    }
  }
  return { name: testCase.name, at: testCase.at, failures };
}

/** Runs every case of a test file against a rule set. */
export async function runRuleTests(ruleSet: RuleSet, file: RuleTestFile): Promise<RuleTestResult[]> {
  const results: RuleTestResult[] = [];
  for (const testCase of file.cases) results.push(await runRuleTestCase(ruleSet, file, testCase));
  return results;
}
