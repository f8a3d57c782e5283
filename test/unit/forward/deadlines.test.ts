import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadlinesFor } from '../../../lambda/forwarder/deadlines';
import {
  FUNCTION_TIMEOUT_ENV,
  queueRequestTimeoutMs,
  s3IdleTimeoutMs,
} from '../../../lambda/forwarder/request-timeouts';

describe('how an invocation spends its time', () => {
  it('with 300 s left: reads for 210 s and delivers until 20 s before the end', () => {
    assert.deepEqual(deadlinesFor(0, 300_000), { stopReadingAt: 210_000, deliveryDeadline: 280_000 });
  });

  it('with 15 minutes left: keeps at most 90 s and 20 s in reserve', () => {
    assert.deepEqual(deadlinesFor(1_000, 900_000), { stopReadingAt: 811_000, deliveryDeadline: 881_000 });
  });

  it('with 2 s left (tests, a nearly spent invocation): keeps the same proportions', () => {
    assert.deepEqual(deadlinesFor(0, 2_000), { stopReadingAt: 1_400, deliveryDeadline: 1_800 });
  });
});

describe('how long an S3 object stream may stall before its read fails', () => {
  const at = (seconds?: string) =>
    s3IdleTimeoutMs(seconds === undefined ? {} : { [FUNCTION_TIMEOUT_ENV]: seconds });

  it('is 60 s with the default timeout of 300 s, and when the timeout is not known', () => {
    assert.equal(at('300'), 60_000);
    assert.equal(at('900'), 60_000);
    assert.equal(at(), 60_000);
    assert.equal(at('soon'), 60_000);
  });

  it('with a short timeout, ends before deliveries must: a stall from when reading stops fails in time', () => {
    for (const seconds of [30, 60, 120]) {
      const timeoutMs = seconds * 1000;
      const { stopReadingAt, deliveryDeadline } = deadlinesFor(0, timeoutMs);
      assert.ok(stopReadingAt + at(String(seconds)) <= deliveryDeadline, `${seconds} s`);
    }
    assert.equal(at('30'), 6_000);
  });
});

describe('how long an SQS request (a continuation, an early delete) may go unanswered', () => {
  const at = (seconds?: string) =>
    queueRequestTimeoutMs(seconds === undefined ? {} : { [FUNCTION_TIMEOUT_ENV]: seconds });

  it("lets the SDK's three attempts end in the time kept after deliveries, whatever the timeout", () => {
    // forwarder.timeoutSeconds is 30..900.
    for (const seconds of [30, 45, 60, 120, 300, 900]) {
      const timeoutMs = seconds * 1000;
      const { deliveryDeadline } = deadlinesFor(0, timeoutMs);
      assert.ok(deliveryDeadline + 3 * at(String(seconds)) <= timeoutMs, `${seconds} s`);
    }
  });

  it('is 5 s when the timeout is long or not known, and at least 1 s', () => {
    assert.equal(at('300'), 5_000);
    assert.equal(at(), 5_000);
    assert.equal(at('30'), 1_000);
  });
});
