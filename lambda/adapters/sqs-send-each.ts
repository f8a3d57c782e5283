import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import { errorCode, errorMessage } from '../core/errors';
import { packSendBatches } from '../core/queue/send-batches';
import { backoffDelay, type RetryPolicy } from '../core/retry/backoff';

/**
 * A batch's bodies together may not exceed SQS's message size limit; 256 KiB, the limit before
 * SQS raised it in 2025, holds on every queue.
 */
const MAX_BATCH_BYTES = 256 * 1024;

/** Short: a refused entry is usually a throttled one, and the caller's deadline still runs. */
const ENTRY_RETRY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: 2 };

export interface SendEachOptions {
  /** Attempts per entry. Default: 3. */
  readonly attempts?: number;
  /** Default: full-jitter backoff from 100 ms. */
  readonly wait?: (attempt: number) => Promise<void>;
}

/** A message body, or a body with message attributes (they travel with it, and count to its size). */
export type OutgoingMessage =
  string | { readonly body: string; readonly attributes?: Record<string, MessageAttributeValue> };

export interface SendEachResult {
  /** Indexes of the messages SQS took. */
  readonly taken: ReadonlySet<number>;
  /** Why the last refused entry or failed call failed, for the operator. */
  readonly lastError?: string;
}

/**
 * Sends every message to the queue in as few SendMessageBatch requests as SQS allows, each once:
 * SQS answers a batch entry by entry, and an entry it took is never sent again here (a second copy
 * would be a second delivery); only the entries it refused, or those of a call that failed, are tried
 * again. What a message that stays refused means is the caller's to say.
 */
export async function sendEachOnce(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  options: SendEachOptions = {},
): Promise<SendEachResult> {
  const attempts = options.attempts ?? 3;
  const wait = options.wait ?? ((attempt: number) => sleep(backoffDelay(attempt, ENTRY_RETRY)));
  const taken = new Set<number>();
  let lastError: string | undefined;
  const indexes = messages.map((_, index) => index);
  for (const chunk of packSendBatches(indexes, MAX_BATCH_BYTES, (index) => sizeOf(messages[index]))) {
    let pending = chunk;
    for (let attempt = 0; attempt < attempts && pending.length > 0; attempt += 1) {
      if (attempt > 0) await wait(attempt - 1);
      try {
        const answer = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map((index) => {
              const message = messages[index];
              return typeof message === 'string'
                ? { Id: String(index), MessageBody: message }
                : { Id: String(index), MessageBody: message.body, MessageAttributes: message.attributes };
            }),
          }),
        );
        for (const entry of answer.Successful ?? []) taken.add(Number(entry.Id));
        for (const entry of answer.Failed ?? []) lastError = `${entry.Code}: ${entry.Message ?? ''}`;
      } catch (error) {
        lastError = `${errorCode(error)}: ${errorMessage(error)}`;
      }
      pending = pending.filter((index) => !taken.has(index));
    }
  }
  return { taken, lastError };
}

/** As SQS counts it: the body, and each attribute's name, type and value. */
function sizeOf(message: OutgoingMessage): number {
  if (typeof message === 'string') return Buffer.byteLength(message);
  const attributes = Object.entries(message.attributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '') +
      (value.BinaryValue?.byteLength ?? 0),
    0,
  );
  return Buffer.byteLength(message.body) + attributes;
}
