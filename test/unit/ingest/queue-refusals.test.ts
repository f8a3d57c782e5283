import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyEntryFailure } from '../../../lambda/core/ingest/queue-refusals';

describe('classifyEntryFailure: which SendMessageBatch entry failures refuse the event for good', () => {
  it('refuses (400) only for codes about the message itself', () => {
    for (const code of [
      'InvalidMessageContents',
      'InvalidParameterValue',
      'MissingParameter',
      'AWS.SimpleQueueService.InvalidParameterValue',
    ]) {
      assert.equal(classifyEntryFailure({ senderFault: true, code }), 'content', code);
    }
  });

  it("holds back (503, alarmed) a sender fault about the queue's key, policy or rate, and any unknown code", () => {
    for (const code of [
      'KMS.DisabledException',
      'KMS.AccessDeniedException',
      'KMS.NotFoundException',
      'KMS.InvalidStateException',
      'KMS.InvalidKeyUsageException',
      'KMS.KeyUnavailableException',
      'KMS.OptInRequired',
      'KMS.ThrottlingException',
      'KmsDisabled',
      'KmsThrottled',
      'AccessDenied',
      'QueueDoesNotExist',
      'AWS.SimpleQueueService.NonExistentQueue',
      'RequestThrottled',
      'InvalidSecurity',
      'UnsupportedOperation',
      'InvalidBatchEntryId',
      'SomeCodeSqsAddsNextYear',
      '',
    ]) {
      assert.equal(classifyEntryFailure({ senderFault: true, code }), 'queue', code);
    }
  });

  it("leaves SQS's own faults to be retried, whatever the code", () => {
    for (const code of ['InternalError', 'ServiceUnavailable', 'InvalidMessageContents']) {
      assert.equal(classifyEntryFailure({ senderFault: false, code }), 'passing', code);
    }
  });
});
