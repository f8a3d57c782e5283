import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, toSqsEvent } from '../../cli/worker/sqs-event';

/** A Lambda context whose clock runs down from `remainingMs` (the CLI worker's, shared). */
export { lambdaContext };

export interface PollResult {
  readonly received: number;
  readonly failed: number;
}

/**
 * Does what Lambda's SQS event source mapping does, against a real SQS endpoint: receive a batch,
 * invoke the handler, delete the messages that succeeded, and make the failed ones visible again
 * (a shortcut for waiting out the visibility timeout; the receive count still grows, so the queue's
 * redrive policy moves them to the DLQ after maxReceiveCount).
 */
export async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  options: { batchSize?: number; remainingMs?: number; waitSeconds?: number } = {},
): Promise<PollResult> {
  const response = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(options.batchSize ?? 10, 10),
      WaitTimeSeconds: options.waitSeconds ?? 0,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const messages = response.Messages ?? [];
  if (messages.length === 0) return { received: 0, failed: 0 };
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const { Records } = toSqsEvent(
    messages,
    queueArn ?? 'arn:aws:sqs:us-east-1:123456789012:queue',
    'us-east-1',
  );
  const result = await handler({ Records }, lambdaContext(options.remainingMs ?? 60_000));
  const failedIds = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
  for (const message of messages) {
    if (failedIds.has(message.MessageId!)) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
    } else {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  return { received: messages.length, failed: failedIds.size };
}

/** Polls until the queue yields nothing `idlePolls` times in a row (bounded by `maxPolls`). */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  options: { maxPolls?: number; remainingMs?: number } = {},
): Promise<{ polls: number; received: number; failed: number }> {
  let polls = 0;
  let received = 0;
  let failed = 0;
  let idle = 0;
  while (polls < (options.maxPolls ?? 50) && idle < 2) {
    polls += 1;
    const result = await pollOnce(sqs, queueUrl, handler, { remainingMs: options.remainingMs });
    received += result.received;
    failed += result.failed;
    idle = result.received === 0 ? idle + 1 : 0;
  }
  return { polls, received, failed };
}
