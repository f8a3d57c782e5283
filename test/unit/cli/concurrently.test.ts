import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachConcurrently } from '../../../cli/shared/concurrently';

/** A promise settled from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('forEachConcurrently', () => {
  it('starts items in order, never more than the limit at once, and each exactly once', async () => {
    const items = Array.from({ length: 7 }, (_, n) => n);
    const gates = items.map(() => deferred());
    const started: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const done = forEachConcurrently(items, 3, async (item) => {
      started.push(item);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await gates[item].promise;
      running -= 1;
    });
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    gates[1].resolve();
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3], 'a finished item makes room for the next');
    for (const gate of gates) gate.resolve();
    await done;
    assert.deepEqual(started, items);
    assert.equal(maxRunning, 3);
  });

  it('starts nothing more once asked to stop; the running items finish', async () => {
    let stop = false;
    const finished: number[] = [];
    const gate = deferred();
    const done = forEachConcurrently(
      [0, 1, 2, 3, 4],
      2,
      async (item) => {
        await gate.promise;
        finished.push(item);
      },
      () => stop,
    );
    await settle();
    stop = true;
    gate.resolve();
    await done;
    assert.deepEqual(finished.sort(), [0, 1]);
  });

  it('rejects with the first error after the running items settled, starting no more', async () => {
    const started: number[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const done = forEachConcurrently([0, 1, 2], 2, async (item) => {
      started.push(item);
      await gates[item].promise;
    });
    await settle();
    gates[0].reject(new Error('boom'));
    await settle();
    gates[1].resolve();
    await assert.rejects(done, /boom/);
    assert.deepEqual(started, [0, 1]);
  });

  it('handles no items, and refuses a limit below 1', async () => {
    await forEachConcurrently([], 4, async () => assert.fail('no work'));
    await assert.rejects(
      forEachConcurrently([1], 0, async () => undefined),
      RangeError,
    );
  });
});
