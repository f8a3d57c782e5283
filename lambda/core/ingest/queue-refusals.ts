/**
 * Per-entry SendMessageBatch error codes that blame the message itself: sending the same event again
 * fails the same way whatever the queue's configuration, so the producer is told not to retry it.
 *
 * From the SQS API reference (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/):
 * - `InvalidMessageContents`: the only content error among SendMessage's and SendMessageBatch's own
 *   errors ("The message contains characters outside the allowed set"; API_SendMessage.html#API_SendMessage_Errors).
 * - `InvalidParameterValue` and `MissingParameter` (CommonErrors.html): in a batch entry they name the
 *   entry's own parameters. The endpoint sets only the body and the `logType` attribute, both taken
 *   from the event: a body over the size limit, or an attribute SQS will not store.
 *
 * Every other code those pages list is about the queue, its KMS key, the caller's permissions or
 * throttling (`KMS.DisabledException`/`KmsDisabled`, `KMS.AccessDeniedException`, `KMS.NotFoundException`,
 * `KMS.InvalidStateException`, `KMS.InvalidKeyUsageException`, `KMS.OptInRequired`,
 * `KMS.ThrottlingException`, `AccessDenied`, `QueueDoesNotExist`, `RequestThrottled`, `InvalidSecurity`,
 * `InvalidAddress`, `UnsupportedOperation`, ...) or about how the batch was built, and SQS does not
 * document which codes a batch entry can carry: anything not listed here must never turn into a 400,
 * which would have the producer drop events a fixed configuration would have accepted.
 */
const CONTENT_CODES: ReadonlySet<string> = new Set([
  'InvalidMessageContents',
  'InvalidParameterValue',
  'MissingParameter',
]);

/** The awsQuery-compatible spelling of SQS's own codes (`AWS.SimpleQueueService.NonExistentQueue`). */
const QUERY_PREFIX = 'AWS.SimpleQueueService.';

/**
 * - `content`: SQS refused the entry for what it carries; retrying it as is cannot succeed.
 * - `queue`: SQS blamed the sender for something other than the entry (key, policy, throttling, an
 *   unknown code): an operator can fix it, so the events stay with the producer (503) and it is alarmed on.
 * - `passing`: SQS's own fault; a retry may succeed.
 */
export type EntryFailureKind = 'content' | 'queue' | 'passing';

export function classifyEntryFailure(failure: {
  readonly senderFault: boolean;
  readonly code: string;
}): EntryFailureKind {
  if (!failure.senderFault) return 'passing';
  const code = failure.code.startsWith(QUERY_PREFIX) ? failure.code.slice(QUERY_PREFIX.length) : failure.code;
  return CONTENT_CODES.has(code) ? 'content' : 'queue';
}
