import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attackOf, MAX_SAMPLES, periodOf } from '../../../lambda/core/detections/alerts/document';
import { applyEntry, outcomeOf } from '../../../lambda/core/detections/alerts/store';
import { buildRuleSet, compilePlainRule } from '../../../lambda/core/detections/sigma/rule-set';
import { correlationRuleSet, engineFor, hit, T0 } from './support';

const MINUTE = 60_000;

function singleRuleSet() {
  return buildRuleSet([
    compilePlainRule('drop.yml', {
      title: 'Destructive statement',
      id: 'drop-rule',
      level: 'critical',
      tags: ['attack.impact', 'attack.t1485', 'attack.g0032'],
      logsource: { product: 'test', service: 'events' },
      detection: { selection: { kind: 'hit' }, condition: 'selection' },
    }),
  ]);
}

describe('alert documents', () => {
  it('carry the rule, ATT&CK, group, count, times, record locations and samples', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 7 }));
    const records = Array.from({ length: 7 }, (_, i) => ({
      ...hit(`r${i}`, i * 10_000, { group: 'g1', n: i }),
      offset: i * 100,
    }));
    const [outcome, ...others] = await engine.process(records, T0 + 2 * MINUTE);
    assert.equal(others.length, 0);
    const { alert } = outcome;
    assert.equal(outcome.kind, 'opened');
    assert.equal(alert.status, 'opened');
    assert.deepEqual(alert.rule, {
      key: 'burst',
      id: 'burst',
      name: undefined,
      title: 'burst of hits',
      description: undefined,
      type: 'event_count',
      file: 'burst.yml',
    });
    assert.equal(alert.level, 'high');
    assert.deepEqual(alert.tags, ['attack.credential_access', 'attack.t1110.001']);
    assert.deepEqual(alert.attack, { tactics: ['credential_access'], techniques: ['T1110.001'] });
    assert.deepEqual(alert.group, { group: 'g1' });
    assert.equal(alert.count, 7);
    assert.deepEqual(alert.threshold, { comparison: 'gte', value: 7, timespanMs: 5 * MINUTE });
    assert.equal(alert.firstEventTime, '2024-02-01T13:00:00.000Z');
    assert.equal(alert.lastEventTime, '2024-02-01T13:01:00.000Z');
    assert.equal(alert.occurrences, 7);
    assert.deepEqual(alert.period, { start: '2024-02-01T13:00:00.000Z', end: '2024-02-01T14:00:00.000Z' });
    assert.equal(alert.records.length, 7);
    assert.deepEqual(alert.records[3], {
      id: 'r3',
      location: 's3://logs/test/events/2024/02/01/13/00/r3.json',
      offset: 300,
      eventTime: '2024-02-01T13:00:30.000Z',
    });
    assert.equal(alert.samples.length, MAX_SAMPLES);
    assert.deepEqual(alert.samples[0], records[0].value);
    assert.equal(alert.dedupKey, 'burst|["g1"]|2024-02-01T13:00:00.000Z');
    assert.match(alert.alertId, /^[\w-]{22}$/);
    assert.equal(alert.detectedAt, new Date(T0 + 2 * MINUTE).toISOString());
    assert.equal(alert.openedBy, 'r0'); // read together, every record of the window triggers; the first opens
  });

  it('list the distinct values of a value_count', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'value_count', timespan: '1h', gte: 3 }));
    const users = ['alice', 'bob', 'alice', 'carol'];
    const outcomes = await engine.process(
      users.map((user, i) => hit(`r${i}`, i * MINUTE, { user })),
      T0,
    );
    assert.equal(outcomes[0].alert.count, 3);
    assert.deepEqual(outcomes[0].alert.values, ['alice', 'bob', 'carol']);
  });

  it('open once per rule, group and period, then update with a running count', async () => {
    const { engine, alerts } = engineFor(singleRuleSet());
    const first = await engine.process([hit('a', 0)], T0);
    assert.deepEqual(
      first.map((outcome) => [outcome.kind, outcome.alert.occurrences]),
      [['opened', 1]],
    );
    // The router delivered the opening.
    await alerts.markNotified(first[0].alert.dedupKey);
    const second = await engine.process([hit('b', 10 * MINUTE), hit('c', 20 * MINUTE)], T0);
    assert.deepEqual(
      second.map((outcome) => [outcome.kind, outcome.alert.occurrences]),
      [['updated', 3]],
    );
    assert.equal(second[0].alert.alertId, first[0].alert.alertId);
    assert.equal(second[0].alert.firstEventTime, '2024-02-01T13:00:00.000Z');
    assert.equal(second[0].alert.lastEventTime, '2024-02-01T13:20:00.000Z');
    // The next hour is another alert.
    const third = await engine.process([hit('d', 61 * MINUTE)], T0);
    assert.deepEqual(
      third.map((outcome) => [outcome.kind, outcome.alert.occurrences]),
      [['opened', 1]],
    );
    assert.notEqual(third[0].alert.alertId, first[0].alert.alertId);
  });

  it('say nothing new on a redelivery, and re-open until the opening was delivered', async () => {
    const { engine, alerts } = engineFor(singleRuleSet());
    const first = await engine.process([hit('a', 0)], T0);
    // The Lambda died before routing: the retry opens again.
    const retried = await engine.process([hit('a', 0)], T0);
    assert.deepEqual(
      retried.map((outcome) => [outcome.kind, outcome.alert.occurrences]),
      [['opened', 1]],
    );
    await alerts.markNotified(first[0].alert.dedupKey);
    assert.deepEqual(await engine.process([hit('a', 0)], T0), []);
  });

  it('use a correlation timespan longer than the dedup period as its period', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'value_count', timespan: '24h', gte: 2 }));
    const outcomes = await engine.process(
      [hit('a', 0, { user: 'x' }), hit('b', 5 * 60 * MINUTE, { user: 'y' })],
      T0,
    );
    assert.equal(outcomes.length, 1);
    assert.deepEqual(outcomes[0].alert.period, {
      start: '2024-02-01T00:00:00.000Z',
      end: '2024-02-02T00:00:00.000Z',
    });
  });

  it('honour a configured dedup period', async () => {
    const { engine } = engineFor(singleRuleSet(), { dedupPeriodMs: 10 * MINUTE });
    const outcomes = await engine.process([hit('a', 0), hit('b', 11 * MINUTE)], T0);
    assert.equal(outcomes.length, 2);
  });
});

describe('alert state', () => {
  it('is a set of members with min and max times, so entries can repeat', () => {
    const entry = {
      trigger: 'b',
      members: [
        { id: 'a', eventTimeMs: 5 },
        { id: 'b', eventTimeMs: 9 },
      ],
    };
    const once = applyEntry(undefined, entry, 100);
    const twice = applyEntry(once.state, entry, 100);
    assert.equal(once.added, 2);
    assert.equal(twice.added, 0);
    assert.deepEqual([...twice.state.memberIds], ['a', 'b']);
    assert.equal(twice.state.firstEventMs, 5);
    assert.equal(twice.state.lastEventMs, 9);
    assert.equal(twice.state.openedBy, 'b');
  });

  it('answers opened, updated or unchanged', () => {
    const base = { openedBy: 'a', occurrences: 1, stepWritten: 0, firstEventMs: 0, lastEventMs: 0 };
    assert.equal(outcomeOf({ ...base, added: 0, notified: false }), 'opened');
    assert.equal(outcomeOf({ ...base, added: 2, notified: true }), 'updated');
    assert.equal(outcomeOf({ ...base, added: 0, notified: true }), 'unchanged');
  });

  it('reads ATT&CK tactics and techniques from Sigma tags', () => {
    assert.deepEqual(attackOf(['attack.initial_access', 'attack.T1078', 'attack.s0002', 'cve.2021-44228']), {
      tactics: ['initial_access'],
      techniques: ['T1078'],
    });
  });

  it('aligns periods to event time', () => {
    assert.deepEqual(periodOf(Date.UTC(2024, 1, 1, 13, 59, 59), 3_600_000), {
      startMs: Date.UTC(2024, 1, 1, 13),
      endMs: Date.UTC(2024, 1, 1, 14),
    });
  });
});
