import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * What a handler may tell the worker before the batch is over. Lambda has no such channel (it settles
 * the batch from the response); a long-running worker uses it so that a message whose work is done
 * is deleted at once, and a crash of the worker later in the batch cannot bring it back.
 */
export interface BatchProgress {
  /**
   * The message is done: delete it now, whatever the rest of the batch does. Resolves once the
   * delete was answered (it never rejects: a failed delete means the message is delivered again).
   * Idempotent.
   */
  succeeded(messageId: string): Promise<void>;
}

/**
 * What the forwarder and the batcher are: Lambda SQS handlers with partial batch responses, plus an
 * optional `progress` (see BatchProgress). Messages reported there count as succeeded even if the
 * response lists them as failed.
 */
export type BatchHandler = (
  event: SQSEvent,
  context: Context,
  progress?: BatchProgress,
) => Promise<SQSBatchResponse>;

/** The record Lambda's event source mapping builds from a received message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? now,
      SenderId: message.Attributes?.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          stringValue: value.StringValue,
          binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export function toSqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, queueArn, region)) };
}

/** A Lambda context whose clock runs down from `remainingMs`, as the real one does. */
export function lambdaContext(remainingMs: number, functionName = 'sluice-forwarder'): Context {
  const end = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `local-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
