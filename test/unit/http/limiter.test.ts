import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLimiter } from '../../../lambda/core/http/limiter';

describe('createLimiter', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const limiter = createLimiter(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limiter.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(index);
          running -= 1;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(order.length, 20);
    assert.equal(limiter.active, 0);
    assert.equal(limiter.queued, 0);
  });

  it('releases the slot when a task fails', async () => {
    const limiter = createLimiter(1);
    await assert.rejects(limiter.run(async () => Promise.reject(new Error('boom'))));
    assert.equal(await limiter.run(async () => 'next'), 'next');
  });

  it('starts queued tasks in FIFO order', async () => {
    const limiter = createLimiter(1);
    const started: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limiter.run(async () => void started.push(n))));
    assert.deepEqual(started, [1, 2, 3]);
  });

  it('refuses a non-positive limit', () => {
    assert.throws(() => createLimiter(0), RangeError);
  });
});
