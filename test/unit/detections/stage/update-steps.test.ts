import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepAtMost } from '../../../../lambda/core/detections/stage/update-steps';

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
});
