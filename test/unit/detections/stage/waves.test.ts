import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../../lambda/core/errors';
import { WAVE_DEADLINE, Waves, type WaveOptions } from '../../../../lambda/core/detections/stage/waves';

/** A Waves whose runs are recorded, and resolved or failed by the test. */
function recorded(options: WaveOptions = {}) {
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

/** Lets the promise jobs queued so far run (a wave runs a few jobs after its last holder reported). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

/** Whether `promise` has settled once the jobs queued so far ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  return done;
}

describe('waves: the batches of the objects running at once run through the engine together', () => {
  it('runs once every holder has joined it, and answers every joiner', async (t) => {
    // No timer ever fires here: a wave runs because of its holders, never on a clock.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const [a, b, c] = [waves.ticket(), waves.ticket(), waves.ticket()];
    const first = waves.join([1, 2], { ticket: a });
    const second = waves.join([3], { ticket: b });
    await settle();
    assert.deepEqual(runs, [], 'c has not reported: the wave waits for it');
    const third = waves.join([4, 5], { ticket: c });
    await Promise.all([first, second, third]);
    assert.deepEqual(runs, [[1, 2, 3, 4, 5]]);
  });

  it('runs when the holder yet to join waits on the stage (its batches in flight fill its share)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const [a, b] = [waves.ticket(), waves.ticket()];
    const joined = waves.join([1], { ticket: a });
    await settle();
    assert.deepEqual(runs, []);
    b.blocked(true);
    await joined;
    assert.deepEqual(runs, [[1]]);
  });

  it('runs when the holder yet to join sends no more, or ends', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const [a, b, c] = [waves.ticket(), waves.ticket(), waves.ticket()];
    const joined = waves.join([1], { ticket: a });
    b.leave();
    await settle();
    assert.deepEqual(runs, [], 'c still reads');
    c.end();
    await joined;
    assert.deepEqual(runs, [[1]]);
  });

  it('does not wait for a holder whose batch matched nothing: it reported, and joins nothing', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const [a, b] = [waves.ticket(), waves.ticket()];
    await waves.join([], { ticket: b });
    await waves.join([1], { ticket: a });
    assert.deepEqual(runs, [[1]]);
  });

  it('runs a lone object’s batches at once, one wave each, however large the object', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const lone = waves.ticket();
    for (let batch = 0; batch < 5; batch += 1) {
      // Joined, and answered before any clock moves.
      assert.equal(await settled(waves.join([batch], { ticket: lone })), true, `batch ${batch}`);
    }
    assert.deepEqual(runs, [[0], [1], [2], [3], [4]]);
  });

  it('runs the next wave once its holders report again: a holder that joined the last one is waited for', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const [a, b] = [waves.ticket(), waves.ticket()];
    await Promise.all([waves.join([1], { ticket: a }), waves.join([2], { ticket: b })]);
    const next = waves.join([3], { ticket: a });
    assert.equal(await settled(next), false, 'b has not reached the new wave');
    b.leave();
    await next;
    assert.deepEqual(runs, [[1, 2], [3]]);
  });

  it("fails every joiner with the run's error, and runs the next wave", async () => {
    const { waves, runs, fail } = recorded();
    const [a, b] = [waves.ticket(), waves.ticket()];
    fail(new Error('table unavailable'));
    const outcomes = await Promise.allSettled([
      waves.join([1], { ticket: a }),
      waves.join([2], { ticket: b }),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error).message : 'ok')),
      ['table unavailable', 'table unavailable'],
    );
    fail(undefined);
    await Promise.all([waves.join([3], { ticket: a }), waves.join([4], { ticket: b })]);
    assert.deepEqual(runs, [
      [1, 2],
      [3, 4],
    ]);
  });

  it('does not deadlock when every holder waits on the stage', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const holders = [waves.ticket(), waves.ticket(), waves.ticket()];
    // Each has joined a batch and, its share of batches in flight full, waits for that very wave.
    const joined = holders.map((holder, index) => waves.join([index], { ticket: holder }));
    holders.forEach((holder) => holder.blocked(true));
    await Promise.all(joined);
    assert.deepEqual(runs, [[0, 1, 2]]);
  });

  it('waits for an object still waiting for its slot while a running one will give its slot up', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const pool = {};
    // One slot: `first` runs, `next` waits for it.
    const first = waves.ticket(pool);
    const next = waves.ticket(pool);
    first.started();
    const joined = waves.join([1], { ticket: first });
    first.leave();
    assert.equal(await settled(joined), false, 'first is done reading: its slot will pass to next');
    assert.equal(first.mayReleaseSlot(), true);
    first.released();
    next.started();
    await settle();
    assert.deepEqual(runs, [], 'next reads: the wave waits for its batch');
    const second = waves.join([2], { ticket: next });
    await Promise.all([joined, second]);
    assert.deepEqual(runs, [[1, 2]]);
  });

  it('does not deadlock when the objects waiting for a slot wait on running ones that wait on the stage', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded({ releasedBytes: 1_000 });
    const pool = {};
    const running = waves.ticket(pool);
    const waiting = waves.ticket(pool);
    running.started();
    const joined = waves.join([1], { ticket: running, bytes: 5_000 });
    running.leave();
    // Over the budget: it keeps its slot until the wave answers, and the waiting object cannot start before.
    assert.equal(running.mayReleaseSlot(), false);
    await joined;
    assert.deepEqual(runs, [[1]]);
    waiting.end();
  });

  it('does not wait for a holder that waits on other destinations, until it waits on none', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const [a, b] = [waves.ticket(), waves.ticket()];
    // b waits on two failing SIEMs, then one of them answers: it still reads nothing.
    b.waitsElsewhere(true);
    b.waitsElsewhere(true);
    b.waitsElsewhere(false);
    await waves.join([1], { ticket: a });
    b.waitsElsewhere(false);
    const next = waves.join([2], { ticket: a });
    assert.equal(await settled(next), false, 'b reads again: the next wave waits for it');
    await Promise.all([next, waves.join([3], { ticket: b })]);
    assert.deepEqual(runs, [[1], [2, 3]]);
  });

  it('does not wait for an object waiting for a slot that a running one keeps for another destination', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded();
    const pool = {};
    const running = waves.ticket(pool);
    const waiting = waves.ticket(pool);
    running.started();
    const joined = waves.join([1], { ticket: running });
    running.leave();
    assert.equal(await settled(joined), false, 'its slot may still pass to the waiting object');
    // Reading is over; it keeps its slot until a failing SIEM answers.
    running.waitsElsewhere(true);
    await joined;
    assert.deepEqual(runs, [[1]]);
    waiting.end();
  });

  it('lets objects give up their slot early only while the batches they hold stay within the budget', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves } = recorded({ releasedBytes: 10_000 });
    const [a, b, c, d] = [waves.ticket(), waves.ticket(), waves.ticket(), waves.ticket()];
    const joined = [
      waves.join([1], { ticket: a, bytes: 6_000 }),
      waves.join([2], { ticket: b, bytes: 6_000 }),
      waves.join([3], { ticket: c, bytes: 4_000 }),
    ];
    assert.equal(a.mayReleaseSlot(), true, '6,000 of 10,000');
    assert.equal(b.mayReleaseSlot(), false, '12,000 would pass it');
    assert.equal(c.mayReleaseSlot(), true, '10,000 of 10,000');
    assert.equal(d.mayReleaseSlot(), true, 'holds nothing');
    d.end();
    await Promise.all(joined);
    assert.equal(b.mayReleaseSlot(), true, 'answered: its batches are no longer held');
  });

  it('runs anyway at the ceiling when a holder never reports', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded({ ceilingMs: 5_000 });
    const [a] = [waves.ticket(), waves.ticket()];
    const joined = waves.join([1], { ticket: a });
    t.mock.timers.tick(4_999);
    assert.equal(await settled(joined), false);
    t.mock.timers.tick(1);
    await joined;
    assert.deepEqual(runs, [[1]]);
  });

  it('fails its batches with the deadline when the deadline comes before its holders reported', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded({ ceilingMs: 60_000 });
    const [a] = [waves.ticket(), waves.ticket()];
    const joined = waves.join([1], { ticket: a, deadline: Date.now() + 1_000 });
    t.mock.timers.tick(1_000);
    await assert.rejects(joined, (error) => error instanceof SluiceError && error.code === WAVE_DEADLINE);
    assert.deepEqual(runs, [], 'nothing was run past the deadline');
  });

  it('runs at once when a wave is full, and the next one gathers meanwhile', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { waves, runs } = recorded({ maxItems: 3 });
    const [a, b] = [waves.ticket(), waves.ticket()];
    await waves.join([1, 2, 3], { ticket: a });
    const next = waves.join([4], { ticket: a });
    assert.deepEqual(runs, [[1, 2, 3]]);
    b.leave();
    await next;
    assert.deepEqual(runs, [[1, 2, 3], [4]]);
  });

  it('runs a batch joined without a ticket with those of the holders', async () => {
    const { waves, runs } = recorded();
    const a = waves.ticket();
    const anonymous = waves.join([1]);
    assert.equal(await settled(anonymous), false, 'a reads');
    await Promise.all([anonymous, waves.join([2], { ticket: a })]);
    assert.deepEqual(runs, [[1, 2]]);
  });
});
