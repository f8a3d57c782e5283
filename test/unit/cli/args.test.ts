import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SluiceError } from '../../../lambda/core/errors';
import { RateLimiter } from '../../../cli/shared/rate-limiter';
import { parsePositive, parseTimeArg } from '../../../cli/shared/time-arg';

describe('command-line values', () => {
  const now = new Date('2024-02-02T12:00:00Z');

  it('reads ISO times as UTC, durations as "ago", and now', () => {
    assert.deepEqual(parseTimeArg('2024-02-01', now), new Date('2024-02-01T00:00:00Z'));
    assert.deepEqual(parseTimeArg('2024-02-01T18:50', now), new Date('2024-02-01T18:50:00Z'));
    assert.deepEqual(parseTimeArg('2024-02-01T18:50:30+01:00', now), new Date('2024-02-01T17:50:30Z'));
    assert.deepEqual(parseTimeArg('6h', now), new Date('2024-02-02T06:00:00Z'));
    assert.deepEqual(parseTimeArg('-90m', now), new Date('2024-02-02T10:30:00Z'));
    assert.deepEqual(parseTimeArg('7d', now), new Date('2024-01-26T12:00:00Z'));
    assert.deepEqual(parseTimeArg('now', now), now);
  });

  it('refuses what is not a time, with the fix', () => {
    for (const bad of ['yesterday', '2024-13-01', '5y', '']) {
      assert.throws(
        () => parseTimeArg(bad, now, '--from'),
        (error: unknown) =>
          error instanceof SluiceError && error.code === 'USAGE' && /Fix:/.test(error.message),
      );
    }
  });

  it('parses positive numbers with bounds', () => {
    assert.equal(parsePositive('--rate')('2.5'), 2.5);
    assert.equal(parsePositive('--max', { integer: true })('10'), 10);
    assert.throws(() => parsePositive('--max', { integer: true })('1.5'), /whole number/);
    assert.throws(() => parsePositive('--batch-size', { integer: true, max: 10 })('11'), /up to 10/);
    assert.throws(() => parsePositive('--rate')('0'), /above 0/);
  });

  it('paces work to the rate with a one-second burst', async () => {
    let clock = 0;
    const slept: number[] = [];
    const limiter = new RateLimiter(
      10,
      () => clock,
      async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    );
    await limiter.take(10);
    assert.deepEqual(slept, [], 'the first second is a burst');
    await limiter.take(10);
    await limiter.take(5);
    assert.equal(clock, 1500, '25 units at 10/s end 1.5 s after the start');
    const unlimited = new RateLimiter(
      undefined,
      () => 0,
      async () => assert.fail('never sleeps'),
    );
    await unlimited.take(1_000_000);
  });
});
