import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MemoryAlertStore,
  type AlertEntry,
  type AlertRegistration,
  type AlertStore,
} from '../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../lambda/core/detections/engine';
import type { DetectionRecord } from '../../../lambda/core/detections/records';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import type { Contribution, WindowStore } from '../../../lambda/core/detections/windows/store';
import { correlationRuleSet, hit, T0 } from './support';

const SECOND = 1_000;

/** A store call held until the schedule lets it run: it then runs on the shared store, whole. */
interface HeldCall {
  readonly what: string;
  run(): void;
}

/**
 * The shared stores as an engine sees them: every call waits in `held` until released, then runs on
 * the shared memory store at that moment (as a DynamoDB request is applied whole, at some moment).
 */
class HeldStores implements WindowStore, AlertStore {
  constructor(
    private readonly shared: { windows: MemoryWindowStore; alerts: MemoryAlertStore },
    private readonly held: HeldCall[],
  ) {}

  private hold<T>(what: string, call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.held.push({ what, run: () => void call().then(resolve, reject) });
    });
  }

  add(partition: string, contributions: readonly Contribution[], expiresAtMs: number): Promise<number> {
    return this.hold(`add ${contributions.map((c) => c.ref.id).join(' ')}`, () =>
      this.shared.windows.add(partition, contributions, expiresAtMs),
    );
  }

  range(partition: string, fromMs: number, toMs: number): Promise<readonly Contribution[]> {
    return this.hold(`range from ${(fromMs - T0) / SECOND} s`, () =>
      this.shared.windows.range(partition, fromMs, toMs),
    );
  }

  register(dedupKey: string, entry: AlertEntry, expiresAtMs: number): Promise<AlertRegistration> {
    return this.hold(`register ${entry.members.map((member) => member.id).join(' ')}`, () =>
      this.shared.alerts.register(dedupKey, entry, expiresAtMs),
    );
  }

  markNotified(dedupKey: string, step?: number): Promise<void> {
    return this.hold('markNotified', () => this.shared.alerts.markNotified(dedupKey, step));
  }

  markStepWritten(dedupKey: string, step: number): Promise<void> {
    return this.hold('markStepWritten', () => this.shared.alerts.markStepWritten(dedupKey, step));
  }
}

/** Lets every promise chain move on until it waits on a held call again (no I/O: nothing else runs). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const ruleSet = correlationRuleSet({ type: 'event_count', timespan: '1m', gte: 3 });
const index = new RuleIndex(ruleSet, [{ name: 'test' }]);
const NOW = T0 + 3_600_000;

function members(alerts: MemoryAlertStore): Map<string, string[]> {
  return new Map([...alerts.snapshot()].map(([key, state]) => [key, [...state.memberIds].sort()]));
}

/** The batches one after another, each in its own engine (as separate invocations). */
async function sequential(batches: readonly DetectionRecord[][]): Promise<Map<string, string[]>> {
  const windows = new MemoryWindowStore();
  const alerts = new MemoryAlertStore();
  for (const batch of batches) await new DetectionEngine(index, { windows, alerts }).process(batch, NOW);
  return members(alerts);
}

/**
 * Runs the batches at once, each in its own engine (invocations) or all in one (batches in flight in
 * one stage), releasing one held store call at a time: at the i-th choice, the `script[i]`-th call
 * waiting (0 past the script's end). Answers the alerts' members and how many calls were waiting at
 * each choice (to enumerate the next schedule).
 */
async function interleaved(
  batches: readonly DetectionRecord[][],
  script: readonly number[],
  engines: 'one per batch' | 'one',
): Promise<{ members: Map<string, string[]>; arities: number[]; order: string[] }> {
  const shared = { windows: new MemoryWindowStore(), alerts: new MemoryAlertStore() };
  const held: HeldCall[] = [];
  let finished = 0;
  let failure: unknown;
  const stores = new HeldStores(shared, held);
  const single = new DetectionEngine(index, { windows: stores, alerts: stores });
  for (const batch of batches) {
    const engine =
      engines === 'one' ? single : new DetectionEngine(index, { windows: stores, alerts: stores });
    engine.process(batch, NOW).then(
      () => (finished += 1),
      (error: unknown) => (failure = error),
    );
  }
  const arities: number[] = [];
  const order: string[] = [];
  for (await settle(); finished < batches.length; await settle()) {
    if (failure) throw failure;
    assert.ok(held.length > 0, 'a batch neither finished nor waits on a store');
    const choice = script[arities.length] ?? 0;
    arities.push(held.length);
    const [call] = held.splice(choice, 1);
    order.push(call.what);
    call.run();
  }
  if (failure) throw failure;
  return { members: members(shared.alerts), arities, order };
}

/** The next schedule after `script` in depth-first order, or undefined when every one was run. */
function nextScript(script: readonly number[], arities: readonly number[]): number[] | undefined {
  const next = arities.map((_, i) => script[i] ?? 0);
  for (let i = next.length - 1; i >= 0; i -= 1) {
    if (next[i] + 1 < arities[i]) return [...next.slice(0, i), next[i] + 1];
  }
  return undefined;
}

/**
 * Every interleaving of the batches' store calls, the batches in an engine each and all in one: each
 * must end with the sequential run's members. Answers how many schedules were run.
 */
async function assertEveryInterleaving(batches: readonly DetectionRecord[][]): Promise<number> {
  const expected = await sequential(batches);
  assert.ok(expected.size > 0, 'the batches open an alert');
  let schedules = 0;
  for (const engines of ['one per batch', 'one'] as const) {
    for (let script: number[] | undefined = []; script;) {
      const run = await interleaved(batches, script, engines);
      schedules += 1;
      assert.deepEqual(run.members, expected, `${engines} engine, store calls: ${run.order.join('; ')}`);
      script = nextScript(script, run.arities);
    }
  }
  return schedules;
}

describe('batches of one group counted at once (every interleaving of their store calls)', () => {
  it('register a record that each of three batches could leave to another', async (t) => {
    // A: r05, r15 (no window of 3 yet). B: r00 makes [0 s, 60 s) of r00, r05, r15.
    // C: r60 makes [5 s, 65 s) of r05, r15, r60. Read at once, B sees r05 and r15 in a window of A's
    // and C's records alone, C in one of A's and B's: each counted on the other to register them.
    const batches = [
      [hit('r05', 5 * SECOND), hit('r15', 15 * SECOND)],
      [hit('r00', 0)],
      [hit('r60', 60 * SECOND)],
    ];
    assert.deepEqual([...(await sequential(batches)).values()], [['r00', 'r05', 'r15', 'r60']]);
    t.diagnostic(`${await assertEveryInterleaving(batches)} schedules`);
  });

  it('register every record of a burst read in three batches', async (t) => {
    const burst = Array.from({ length: 9 }, (_, i) => hit(`q${i}`, i * 5 * SECOND));
    const batches = [burst.slice(0, 3), burst.slice(3, 6), burst.slice(6, 9)];
    assert.deepEqual([...(await sequential(batches)).values()].flat().length, 9);
    t.diagnostic(`${await assertEveryInterleaving(batches)} schedules`);
  });

  it('register every record when two batches interleave, records of both in every window', async (t) => {
    const batches = [
      [hit('a1', 0), hit('a2', 20 * SECOND), hit('a3', 70 * SECOND)],
      [hit('b1', 10 * SECOND), hit('b2', 50 * SECOND), hit('b3', 100 * SECOND)],
    ];
    t.diagnostic(`${await assertEveryInterleaving(batches)} schedules`);
  });
});

describe('a batch that failed between counting and registering', () => {
  for (const engines of ['a new engine per delivery', 'one engine for every delivery'] as const) {
    it(`registers, once redelivered, what a batch run in between left to it (${engines})`, async () => {
      const windows = new MemoryWindowStore();
      const alerts = new MemoryAlertStore();
      let crashes = 0;
      const failing: AlertStore = {
        register: (dedupKey, entry, expiresAtMs) =>
          crashes-- > 0
            ? Promise.reject(new Error('the invocation timed out'))
            : alerts.register(dedupKey, entry, expiresAtMs),
        markNotified: (dedupKey, step) => alerts.markNotified(dedupKey, step),
        markStepWritten: (dedupKey, step) => alerts.markStepWritten(dedupKey, step),
      };
      let engine: DetectionEngine | undefined;
      const run = (batch: DetectionRecord[]) =>
        (engines === 'one engine for every delivery'
          ? (engine ??= new DetectionEngine(index, { windows, alerts: failing }))
          : new DetectionEngine(index, { windows, alerts: failing })
        ).process(batch, NOW);
      const [a, b, c] = [
        [hit('r05', 5 * SECOND), hit('r15', 15 * SECOND)],
        [hit('r00', 0)],
        [hit('r60', 60 * SECOND)],
      ];
      await run(a);
      // C stores r60 and meets [5 s, 65 s) with r05 and r15, then dies before registering.
      crashes = 1;
      await assert.rejects(run(c), /timed out/);
      // B meets [0 s, 60 s) with r05 and r15, which also lie in a window of A's and C's records alone.
      await run(b);
      // C again: r05 and r15 also lie in a window of A's and B's records alone.
      await run(c);
      assert.deepEqual([...members(alerts).values()], [['r00', 'r05', 'r15', 'r60']]);
    });
  }
});
