import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { periodOf, dedupKeyOf } from '../../../lambda/core/detections/alerts/document';
import type { DetectionRecord } from '../../../lambda/core/detections/records';
import { MemoryAlertStore } from '../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../lambda/core/detections/engine';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import { mergeBatch, metWindows, type MetWindows } from '../../../lambda/core/detections/windows/windows';
import type { Contribution } from '../../../lambda/core/detections/windows/store';
import { correlationRuleSet, engineFor, hit, T0 } from './support';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** Ids of the candidate's best window and of all its met windows. */
function idsOf(met: MetWindows, id: string) {
  const windows = met.candidates.get(id)!;
  const ids = (start: number, end: number) => met.sorted.slice(start, end).map((member) => member.ref.id);
  return {
    count: windows.count,
    best: ids(windows.bestStart, windows.bestEnd),
    members: ids(windows.membersStart, windows.membersEnd),
  };
}

function contribution(id: string, seconds: number, value?: string): Contribution {
  return { ref: { id, bucket: 'b', key: 'k', offset: 0, eventTimeMs: seconds * SECOND }, value };
}

describe('met windows', () => {
  const threeInAMinute = {
    type: 'event_count' as const,
    timespanMs: MINUTE,
    threshold: { comparison: 'gte' as const, value: 3 },
  };

  it('finds the window a contribution completes, and the one it starts', () => {
    const all = [contribution('a', 0), contribution('b', 30), contribution('c', 59)];
    const met = metWindows(all, threeInAMinute, new Set(['a', 'c']));
    assert.deepEqual([...met.candidates.keys()].sort(), ['a', 'c']);
    assert.equal(idsOf(met, 'a').count, 3);
    assert.deepEqual(idsOf(met, 'c').members, ['a', 'b', 'c']);
  });

  it('counts a window as [start, start + timespan)', () => {
    const met = metWindows(
      [contribution('a', 0), contribution('b', 30), contribution('c', 60)],
      threeInAMinute,
      new Set(['c']),
    );
    assert.equal(met.candidates.size, 0);
  });

  it('counts records with equal event times together', () => {
    const met = metWindows(
      [contribution('b', 5), contribution('a', 5), contribution('c', 5)],
      threeInAMinute,
      new Set(['c']),
    );
    assert.equal(idsOf(met, 'c').count, 3);
  });

  it('returns the union of every met window containing the candidate', () => {
    const all = [0, 20, 40, 70, 90].map((seconds, i) => contribution(`r${i}`, seconds));
    // Windows containing r2 (40 s): from 0 s {r0,r1,r2}, from 20 s {r1,r2,r3}, from 40 s {r2,r3,r4}: all met.
    const met = metWindows(all, threeInAMinute, new Set(['r2']));
    assert.deepEqual(idsOf(met, 'r2').members, ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(idsOf(met, 'r2').best, ['r0', 'r1', 'r2']);
  });

  it('counts distinct values for value_count', () => {
    const spec = {
      type: 'value_count' as const,
      timespanMs: MINUTE,
      threshold: { comparison: 'gte' as const, value: 2 },
    };
    const same = [contribution('a', 0, 'x'), contribution('b', 10, 'x'), contribution('c', 20, 'x')];
    assert.equal(metWindows(same, spec, new Set(['c'])).candidates.size, 0);
    const two = [...same, contribution('d', 30, 'y')];
    assert.equal(idsOf(metWindows(two, spec, new Set(['d'])), 'd').count, 2);
  });

  it('meets gt only above the bound', () => {
    const spec = { ...threeInAMinute, threshold: { comparison: 'gt' as const, value: 3 } };
    const three = [contribution('a', 0), contribution('b', 1), contribution('c', 2)];
    assert.equal(metWindows(three, spec, new Set(['c'])).candidates.size, 0);
    assert.equal(metWindows([...three, contribution('d', 3)], spec, new Set(['d'])).candidates.size, 1);
  });
});

describe('windowed counting in the engine', () => {
  it('counts by event time, not by arrival', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 3 }));
    // Read together, but an hour apart in event time.
    const outcomes = await engine.process([hit('a', 0), hit('b', 60 * MINUTE), hit('c', 120 * MINUTE)], T0);
    assert.deepEqual(outcomes, []);
  });

  it('counts late records that fall within the window', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 3 }));
    assert.deepEqual(await engine.process([hit('c', 4 * MINUTE)], T0 + 10 * MINUTE), []);
    assert.deepEqual(await engine.process([hit('b', 2 * MINUTE)], T0 + 20 * MINUTE), []);
    const outcomes = await engine.process([hit('a', 0)], T0 + 30 * MINUTE); // arrives last, happened first
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].alert.count, 3);
    assert.equal(outcomes[0].alert.firstEventTime, new Date(T0).toISOString());
    assert.equal(outcomes[0].alert.lastEventTime, new Date(T0 + 4 * MINUTE).toISOString());
  });

  it('counts a redelivered record once', async () => {
    const { engine, windows } = engineFor(
      correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 2 }),
    );
    for (let delivery = 0; delivery < 5; delivery += 1) {
      assert.deepEqual(await engine.process([hit('a', 0), hit('a', 0)], T0), []);
    }
    assert.equal(windows.count('burst\u0000["g1"]'), 1);
  });

  it('keeps groups apart', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 2 }));
    const outcomes = await engine.process([hit('a', 0, { group: 'g1' }), hit('b', 1, { group: 'g2' })], T0);
    assert.deepEqual(outcomes, []);
  });

  it('lets the referenced rule alert on its own only with generate: true', async () => {
    const silent = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 5 }));
    assert.deepEqual(await silent.engine.process([hit('a', 0)], T0), []);
    const loud = engineFor(
      correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 5, generate: true }),
    );
    const outcomes = await loud.engine.process([hit('a', 0)], T0);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.alert.rule.key),
      ['hit'],
    );
  });
});

/**
 * The property: whatever the order of the records, however they are split into batches and however
 * often each is redelivered, the alerts (rule, group, period) and the records each covers are those
 * of the met windows of the set of distinct records.
 */
describe('windowed counts (property)', () => {
  interface Spec {
    readonly type: 'event_count' | 'value_count';
    readonly timespanMs: number;
    readonly gte: number;
  }

  function expected(records: readonly DetectionRecord[], spec: Spec): Map<string, string[]> {
    const result = new Map<string, Set<string>>();
    const groups = new Map<string, DetectionRecord[]>();
    for (const record of records) {
      const key = JSON.stringify([record.value.group]);
      groups.set(key, [...(groups.get(key) ?? []), record]);
    }
    const periodMs = Math.max(3_600_000, spec.timespanMs);
    for (const [groupKey, members] of groups) {
      for (const start of members) {
        const window = members.filter(
          (member) =>
            member.eventTimeMs >= start.eventTimeMs &&
            member.eventTimeMs < start.eventTimeMs + spec.timespanMs,
        );
        const count =
          spec.type === 'event_count'
            ? window.length
            : new Set(window.map((member) => member.value.user)).size;
        if (count < spec.gte) continue;
        for (const member of window) {
          const key = dedupKeyOf('burst', groupKey, periodOf(member.eventTimeMs, periodMs).startMs);
          result.set(key, new Set([...(result.get(key) ?? []), member.id]));
        }
      }
    }
    return new Map([...result].map(([key, ids]) => [key, [...ids].sort()]));
  }

  const specs = fc.record({
    type: fc.constantFrom('event_count' as const, 'value_count' as const),
    timespanMs: fc.constantFrom(30 * SECOND, MINUTE, 5 * MINUTE, 2 * 60 * MINUTE),
    gte: fc.integer({ min: 1, max: 5 }),
  });
  const records = fc
    .uniqueArray(
      fc.record({
        id: fc.integer({ min: 0, max: 10_000 }).map((n) => `r${n}`),
        seconds: fc.integer({ min: 0, max: 4 * 3600 }),
        group: fc.constantFrom('g1', 'g2'),
        user: fc.constantFrom('u1', 'u2', 'u3'),
      }),
      { selector: (record) => record.id, minLength: 1, maxLength: 40 },
    )
    .map((items) =>
      items.map((item) => hit(item.id, item.seconds * SECOND, { group: item.group, user: item.user })),
    );

  /** A delivery: every record at least once, some several times, shuffled, cut into batches. */
  const deliveries = (count: number) =>
    fc.record({
      copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: count, maxLength: count }),
      order: fc.array(fc.nat(), { minLength: count * 3, maxLength: count * 3 }),
      cuts: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: count * 3 }),
    });

  function deliver(
    list: readonly DetectionRecord[],
    plan: { copies: number[]; order: number[]; cuts: number[] },
  ) {
    const copies = list.flatMap((record, i) => Array.from({ length: plan.copies[i] }, () => record));
    const keyed = copies.map((record, i) => ({ record, key: plan.order[i] ?? i }));
    const shuffled = keyed.sort((a, b) => a.key - b.key).map((item) => item.record);
    const batches: DetectionRecord[][] = [];
    for (let start = 0, cut = 0; start < shuffled.length; cut += 1) {
      const size = plan.cuts[cut % plan.cuts.length];
      batches.push(shuffled.slice(start, start + size));
      start += size;
    }
    return batches;
  }

  /** Counts the batches `overlap` at a time (all stored, then all read, then all registered). */
  async function run(spec: Spec, batches: readonly DetectionRecord[][], overlap = 1) {
    const ruleSet = correlationRuleSet({
      type: spec.type,
      timespan: `${spec.timespanMs / SECOND}s`,
      gte: spec.gte,
    });
    const { engine, alerts } = engineFor(ruleSet);
    for (let i = 0; i < batches.length; i += overlap)
      await Promise.all(
        batches.slice(i, i + overlap).map((batch) => engine.process(batch, T0 + 5 * 3600 * SECOND)),
      );
    return new Map([...alerts.snapshot()].map(([key, state]) => [key, [...state.memberIds].sort()]));
  }

  it('do not depend on order, batching, redelivery or batches counted at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        specs,
        records.chain((list) =>
          fc.tuple(fc.constant(list), deliveries(list.length), deliveries(list.length)),
        ),
        async (spec, [list, first, second]) => {
          const oracle = expected(list, spec);
          assert.deepEqual(await run(spec, deliver(list, first)), oracle);
          assert.deepEqual(await run(spec, deliver(list, second)), oracle);
          assert.deepEqual(await run(spec, deliver(list, first), 3), oracle);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('merging a batch into the stored contributions', () => {
  const ids = (merged: { sorted: readonly Contribution[]; candidate: Uint8Array }) =>
    merged.sorted.map((item, i) => `${item.ref.id}${merged.candidate[i] ? '*' : ''}`);

  it('keeps one copy of a contribution both stored and in the batch, as a candidate', () => {
    const stored = [contribution('a', 1), contribution('b', 2), contribution('c', 3)];
    assert.deepEqual(ids(mergeBatch([contribution('b', 2), contribution('d', 4)], stored)), [
      'a',
      'b*',
      'c',
      'd*',
    ]);
  });

  it('keeps one copy of a record read twice in the batch', () => {
    assert.deepEqual(
      ids(
        mergeBatch(
          [contribution('x', 5), contribution('x', 5), contribution('w', 5)],
          [contribution('x', 5)],
        ),
      ),
      ['w*', 'x*'],
    );
  });

  it('orders by event time then id, whatever order the store answers in', () => {
    const stored = [contribution('c', 3), contribution('a', 1), contribution('b', 1)];
    assert.deepEqual(ids(mergeBatch([contribution('d', 0)], stored)), ['d*', 'a', 'b', 'c']);
  });
});

describe('registering the members of met windows', () => {
  /** An alert store that keeps the ids of the members each register is given. */
  class RecordingAlertStore extends MemoryAlertStore {
    readonly entries: string[][] = [];
    override async register(...args: Parameters<MemoryAlertStore['register']>) {
      this.entries.push(args[1].members.map((member) => member.id));
      return super.register(...args);
    }
  }

  const fiveInAMinute = {
    type: 'event_count' as const,
    timespanMs: MINUTE,
    threshold: { comparison: 'gte' as const, value: 5 },
  };

  const id = (second: number) => `r${String(second).padStart(3, '0')}`;
  const ruleIndex = () =>
    new RuleIndex(correlationRuleSet({ type: 'event_count', timespan: '1m', gte: 5 }), [{ name: 'test' }]);

  /** Ten minutes of one record a second, read 20 s at a time (every window met): what each batch registered. */
  async function burst(engineOf: (alerts: RecordingAlertStore) => DetectionEngine) {
    const alerts = new RecordingAlertStore();
    const registered: string[][] = [];
    for (let start = 0; start < 600; start += 20) {
      alerts.entries.length = 0;
      const batch = Array.from({ length: 20 }, (_, i) => hit(id(start + i), (start + i) * SECOND));
      for (const outcome of await engineOf(alerts).process(batch, T0 + 11 * MINUTE)) {
        if (outcome.kind === 'opened') await alerts.markNotified(outcome.dedupKey);
      }
      assert.equal(alerts.entries.length, 1, 'one alert');
      registered.push(alerts.entries[0]);
    }
    const [state] = alerts.snapshot().values();
    assert.equal(state.memberIds.size, 600);
    return registered;
  }

  it("registers a batch's records and the stored records of its met windows, one timespan back at most", async () => {
    const windows = new MemoryWindowStore();
    // A new engine per batch, as when each object is read by another invocation.
    const registered = await burst((alerts) => new DetectionEngine(ruleIndex(), { windows, alerts }));
    for (const [b, ids] of registered.entries()) {
      const start = b * 20;
      // Its own first, then the stored ones its windows reach back to (windows are [t, t + 1 min)).
      const own = Array.from({ length: 20 }, (_, i) => id(start + i));
      const back = Math.max(0, start - 59);
      const stored = Array.from({ length: start - back }, (_, i) => id(back + i));
      assert.deepEqual(ids, [...own, ...stored], `the batch from ${start} s`);
    }
  });

  it('registers each record of a long burst once in one process, not once per batch whose windows reach back to it', async () => {
    const windows = new MemoryWindowStore();
    let engine: DetectionEngine | undefined;
    const registered = await burst(
      (alerts) => (engine ??= new DetectionEngine(ruleIndex(), { windows, alerts })),
    );
    // The stored records of its met windows were registered by this process, by the batches before.
    assert.deepEqual(
      registered.flat(),
      Array.from({ length: 600 }, (_, i) => id(i)),
    );
  });

  it('registers the stored members of a window a batch newly meets', () => {
    // Four stored records of a window of five: not met until the fifth is read.
    const stored = [0, 10, 20, 30].map((seconds, i) => contribution(`s${i}`, seconds));
    const met = metWindows([...stored, contribution('late', 40)], fiveInAMinute, new Set(['late']));
    assert.deepEqual(met.members, ['s0', 's1', 's2', 's3', 'late']);
  });

  it('registers the stored members of a window met without the batch, when the batch is in it', () => {
    // s0…s9 met [0 s, 60 s) before; c at 65 s meets [6 s, 66 s) with s6…s9. Whoever stored them may
    // not have registered them yet (a batch in flight, or one that failed): c's batch registers them too.
    const stored = Array.from({ length: 10 }, (_, i) => contribution(`s${i}`, i));
    const met = metWindows([...stored, contribution('c', 65)], fiveInAMinute, new Set(['c']));
    assert.deepEqual(met.members, ['s6', 's7', 's8', 's9', 'c']);
  });

  it('registers no stored record of a met window the batch is not in', () => {
    const stored = Array.from({ length: 10 }, (_, i) => contribution(`s${i}`, i));
    const alone = metWindows([...stored, contribution('c', 300)], fiveInAMinute, new Set(['c']));
    assert.deepEqual(alone.members, []);
    // c at 62 s is in [3 s, 63 s), [4 s, 64 s), … with s3…s9; s0…s2 only in windows without c.
    const beside = metWindows([...stored, contribution('c', 62)], fiveInAMinute, new Set(['c']));
    assert.deepEqual(beside.members, ['s3', 's4', 's5', 's6', 's7', 's8', 's9', 'c']);
  });
});
