import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepAtMost, stepReached } from '../../../../lambda/core/detections/stage/update-steps';

describe('update steps', () => {
  it('are the 1-2-5 series from 2: 2, 5, 10, 20, 50, 100, 200, …', () => {
    const steps = new Set<number>();
    for (let count = 2; count <= 5_000; count += 1) steps.add(stepAtMost(count));
    assert.deepEqual([...steps], [2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000]);
    assert.equal(stepAtMost(1), 1);
    assert.equal(stepAtMost(0), 1);
    assert.equal(stepAtMost(1_999_999), 1_000_000);
    assert.equal(stepAtMost(2_000_000), 2_000_000);
  });

  it('are reached by a registration whose count passes or lands on one, once', () => {
    assert.equal(stepReached(1, 2), 2, 'lands on it');
    assert.equal(stepReached(3, 7), 5, 'passes it');
    assert.equal(stepReached(2, 4), undefined, 'none between: 2 was reached before');
    assert.equal(stepReached(5, 9), undefined);
    assert.equal(stepReached(9, 10), 10);
    assert.equal(stepReached(10, 10), undefined, 'nothing added: nothing reached');
    assert.equal(stepReached(0, 1), undefined, 'an opening is not an update');
  });

  it('report the highest step when a registration passes several', () => {
    assert.equal(stepReached(3, 57), 50);
    assert.equal(stepReached(0, 260), 200);
  });

  it('are reached exactly once each by any run of growing counts', () => {
    // Whatever the batches, each step up to the final count is reached by at most one of them,
    // and the last one reached is the last step at most the final count.
    for (const sizes of [[1], [3], [7, 1, 1], [50, 1, 49, 2], [13, 13, 13, 13, 13, 13, 13, 13]]) {
      let count = 0;
      const reached: number[] = [];
      for (let round = 0; round < 12; round += 1) {
        for (const size of sizes) {
          const step = stepReached(count, count + size);
          count += size;
          if (step !== undefined) reached.push(step);
        }
      }
      assert.deepEqual(
        reached,
        [...new Set(reached)].sort((a, b) => a - b),
        `${sizes}: increasing, no repeat`,
      );
      assert.equal(reached[reached.length - 1], stepAtMost(count), `${sizes}`);
    }
  });
});
