import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  parseRetryAfter,
  planRetry,
} from '../../../lambda/core/retry/backoff';

const policy = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: 5 };

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = () => 0.999999;
    assert.equal(backoffDelay(0, policy, top), 99);
    assert.equal(backoffDelay(1, policy, top), 199);
    assert.equal(backoffDelay(3, policy, top), 799);
    assert.equal(backoffDelay(4, policy, top), 999);
    assert.equal(backoffDelay(60, policy, top), 999);
  });

  it('can be anywhere from 0 (full jitter)', () => {
    assert.equal(
      backoffDelay(3, policy, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(3, policy, () => 0.5),
      400,
    );
  });

  it('never leaves [0, cap] whatever the random source returns', () => {
    assert.equal(
      backoffDelay(2, policy, () => 7),
      400,
    );
    assert.equal(
      backoffDelay(2, policy, () => -1),
      0,
    );
    assert.ok(backoffDelay(1_000_000, DEFAULT_RETRY_POLICY) <= DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-02-01T18:50:00Z');

  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    assert.equal(parseRetryAfter('Thu, 01 Feb 2024 18:50:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 01 Feb 2024 18:49:00 GMT', now), 0);
  });

  it('takes the first of repeated headers', () => {
    assert.equal(parseRetryAfter(['5', '9'], now), 5_000);
  });

  it('ignores absent or unreadable values', () => {
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter('1.5', now), undefined);
    assert.equal(parseRetryAfter('-3', now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});

describe('planRetry', () => {
  const base = { policy, now: 1_000, deadline: 100_000, random: () => 0.5 };

  it('returns the jittered delay while within budget and deadline', () => {
    assert.deepEqual(planRetry({ ...base, attempt: 2 }), { retry: true, delayMs: 200 });
  });

  it('honours Retry-After even above the cap', () => {
    assert.deepEqual(planRetry({ ...base, attempt: 0, retryAfterMs: 5_000 }), {
      retry: true,
      delayMs: 5_000,
    });
  });

  it('gives up when the next attempt would start after the deadline', () => {
    assert.deepEqual(planRetry({ ...base, attempt: 0, retryAfterMs: 99_000 }), {
      retry: false,
      reason: 'deadline',
    });
    assert.deepEqual(planRetry({ ...base, attempt: 0, deadline: 1_000 }), {
      retry: false,
      reason: 'deadline',
    });
  });

  it('gives up when the retry budget is spent', () => {
    assert.deepEqual(planRetry({ ...base, attempt: 5 }), { retry: false, reason: 'retries-exhausted' });
  });
});
