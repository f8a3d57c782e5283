import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Waves } from '../../../../lambda/core/detections/stage/waves';

/** A Waves whose runs are recorded, and resolved or failed by the test. */
function recorded(options: ConstructorParameters<typeof Waves<number>>[1]) {
  const runs: number[][] = [];
  let failWith: Error | undefined;
  const waves = new Waves<number>(async (items) => {
    runs.push([...items]);
    if (failWith) throw failWith;
  }, options);
  return {
    waves,
    runs,
    fail(error: Error | undefined) {
      failWith = error;
    },
  };
}

/** Lets the promise jobs queued so far run (the wave's run starts one job after its timer). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

describe('waves: batches of objects read at once run through the engine together', () => {
  it('runs what joined together once, and answers every joiner', async () => {
    const { waves, runs } = recorded({ quietMs: 5 });
    await Promise.all([waves.join([1, 2]), waves.join([3]), waves.join([4, 5])]);
    assert.deepEqual(runs, [[1, 2, 3, 4, 5]]);
  });

  it('waits while batches keep coming, up to the linger limit', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded({ quietMs: 10, maxLingerMs: 35 });
    const answered: number[] = [];
    void waves.join([1]).then(() => answered.push(1));
    t.mock.timers.tick(9);
    void waves.join([2]).then(() => answered.push(2));
    t.mock.timers.tick(9);
    await settle();
    assert.deepEqual(runs, [], 'a batch came within the quiet time: still gathering');
    void waves.join([3]).then(() => answered.push(3));
    t.mock.timers.tick(9);
    void waves.join([4]).then(() => answered.push(4));
    t.mock.timers.tick(8); // 35 ms after the first: the limit, however busy
    await settle();
    assert.deepEqual(runs, [[1, 2, 3, 4]]);
    assert.deepEqual(answered, [1, 2, 3, 4]);

    void waves.join([5]);
    t.mock.timers.tick(10);
    await settle();
    assert.deepEqual(runs, [[1, 2, 3, 4], [5]], 'quiet for 10 ms: the next wave runs');
  });

  it('runs at once when a wave is full, and the next one gathers meanwhile', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded({ quietMs: 60_000, maxLingerMs: 60_000, maxItems: 3 });
    const full = waves.join([1, 2, 3]);
    void waves.join([4]);
    await full;
    assert.deepEqual(runs, [[1, 2, 3]]);
    t.mock.timers.tick(60_000);
    await settle();
    assert.deepEqual(runs, [[1, 2, 3], [4]]);
  });

  it("fails every joiner with the run's error", async () => {
    const { waves, fail } = recorded({ quietMs: 1 });
    fail(new Error('table unavailable'));
    const outcomes = await Promise.allSettled([waves.join([1]), waves.join([2])]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error).message : 'ok')),
      ['table unavailable', 'table unavailable'],
    );
  });

  it('runs the next wave after a failed one', async () => {
    const { waves, runs, fail } = recorded({ quietMs: 1 });
    fail(new Error('once'));
    await assert.rejects(waves.join([1]));
    fail(undefined);
    await waves.join([2]);
    assert.deepEqual(runs, [[1], [2]]);
  });
});
