import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadlinesFor } from '../../../lambda/forwarder/deadlines';

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
