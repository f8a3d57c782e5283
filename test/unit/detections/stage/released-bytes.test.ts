import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RELEASED_BYTES } from '../../../../lambda/core/detections/stage/waves';
import { releasedBytesOf } from '../../../../lambda/forwarder/detections';

describe("the stage's memory budget for the batches of objects that gave up their slot", () => {
  it("is a sixteenth of the function's memory: the default at the default 512 MB", () => {
    assert.equal(releasedBytesOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }), DEFAULT_RELEASED_BYTES);
    assert.equal(releasedBytesOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' }), 128 * 1024 * 1024);
  });

  it('is the default outside Lambda', () => {
    assert.equal(releasedBytesOf({}), undefined);
    assert.equal(releasedBytesOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' }), undefined);
  });
});
