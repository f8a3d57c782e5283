import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { matchingRules, type MatchedRecord } from '../../../../lambda/core/detections/batch-matches';
import { DetectionEngine, type AlertOutcome } from '../../../../lambda/core/detections/engine';
import type { DetectionRecord } from '../../../../lambda/core/detections/records';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { buildRuleSet, compilePlainRule } from '../../../../lambda/core/detections/sigma/rule-set';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';

const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);

/** Rules that overlap on purpose: a record may match several, each feeding its own correlations. */
function ruleSet() {
  return buildRuleSet([
    compilePlainRule('login.yml', {
      title: 'login',
      name: 'login',
      logsource: { product: 'test', service: 'events' },
      detection: { selection: { kind: 'login' }, condition: 'selection' },
    }),
    compilePlainRule('admin.yml', {
      title: 'admin action',
      name: 'admin',
      logsource: { product: 'test', service: 'events' },
      detection: { selection: { 'role|startswith': 'adm' }, condition: 'selection' },
      level: 'high',
    }),
    compilePlainRule('spray.yml', {
      title: 'password spray',
      name: 'spray',
      correlation: {
        type: 'value_count',
        rules: ['login'],
        'group-by': ['ip'],
        timespan: '2m',
        condition: { field: 'user', gte: 3 },
      },
    }),
    compilePlainRule('busy.yml', {
      title: 'busy admin',
      name: 'busy',
      generate: true,
      correlation: {
        type: 'event_count',
        rules: ['admin', 'login'],
        'group-by': ['user', 'ip'],
        timespan: '1m',
        condition: { gt: 4 },
      },
    }),
  ]);
}

/** A deterministic stream of records, some late, some repeated, some without an event time. */
function records(count: number): DetectionRecord[] {
  let seed = 7;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return (seed >>> 16) % n;
  };
  return Array.from({ length: count }, (_, i) => {
    const id = `r${next(count)}`; // repeats: a record read twice
    const late = next(10) === 0 ? -3_600_000 : 0;
    return {
      id,
      source: 'test',
      logType: next(8) === 0 ? 'other' : 'events',
      eventTimeMs: next(20) === 0 ? Number.NaN : T0 + i * 2_000 + late,
      bucket: 'logs',
      key: 'test/events/a.json',
      offset: i * 100,
      value: {
        kind: next(3) === 0 ? 'query' : 'login',
        role: ['admin', 'user', 'adm-ops'][next(3)],
        user: `u${next(5)}`,
        ip: `10.0.0.${next(3)}`,
      },
    };
  });
}

/** An engine over its own stores that marks each opening notified, as the stage does once it is written. */
function engine(index: RuleIndex) {
  const alerts = new MemoryAlertStore();
  const detections = new DetectionEngine(index, { windows: new MemoryWindowStore(), alerts });
  const notify = (outcomes: readonly AlertOutcome[]) =>
    Promise.all(
      outcomes
        .filter((outcome) => outcome.kind === 'opened')
        .map((outcome) => alerts.markNotified(outcome.dedupKey)),
    );
  return {
    process: async (batch: readonly DetectionRecord[], nowMs: number) => {
      const outcomes = await detections.process(batch, nowMs);
      await notify(outcomes);
      return outcomes;
    },
    processMatched: async (batch: readonly MatchedRecord[], nowMs: number) => {
      const outcomes = await detections.processMatched(batch, nowMs);
      await notify(outcomes);
      return outcomes;
    },
  };
}

function summary(outcomes: readonly AlertOutcome[]) {
  return outcomes.map((outcome) => ({
    kind: outcome.kind,
    dedupKey: outcome.dedupKey,
    added: outcome.added,
    alert: outcome.alert,
  }));
}

describe('DetectionEngine.processMatched (rules already run by the forwarder)', () => {
  it('gives the outcomes and documents process gives, batch after batch', async () => {
    const index = new RuleIndex(ruleSet(), [{ name: 'test' }]);
    const testing = engine(index);
    const given = engine(index);
    const all = records(600);
    const fired = new Set<string>();
    for (let from = 0, size = 1; from < all.length; from += size, size = (size * 3) % 97 || 1) {
      const batch = all.slice(from, from + size);
      const matched: MatchedRecord[] = [];
      for (const record of batch) {
        const positions = matchingRules(index.rulesFor(record.source, record.logType).rules, record.value);
        if (positions) matched.push({ ...record, matched: positions });
      }
      const nowMs = T0 + from * 2_000;
      const expected = summary(await testing.process(batch, nowMs));
      assert.deepEqual(summary(await given.processMatched(matched, nowMs)), expected, `batch at ${from}`);
      for (const outcome of expected) fired.add(`${outcome.alert.rule.key} ${outcome.kind}`);
    }
    assert.deepEqual(
      [...fired].sort(),
      ['admin', 'busy', 'login', 'spray'].flatMap((rule) => [`${rule} opened`, `${rule} updated`]),
      'the stream opens and updates alerts of every rule',
    );
  });

  it('refuses a rule position its record’s rules do not have, as a bug rather than a silent miss', async () => {
    const index = new RuleIndex(ruleSet(), [{ name: 'test' }]);
    const [record] = records(1);
    await assert.rejects(
      engine(index).processMatched([{ ...record, logType: 'events', matched: [9] }], T0),
      RangeError,
    );
  });
});
