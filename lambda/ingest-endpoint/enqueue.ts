import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { settleWithLimit } from '../core/ingest/concurrency';
import { LOG_TYPE_ATTRIBUTE } from '../core/ingest/events';
import { packBatches, type QueueMessage } from '../core/ingest/queue-messages';

export interface SendEntry {
  readonly id: string;
  readonly message: QueueMessage;
}

export interface SendFailure {
  readonly id: string;
  /** SQS's verdict: the entry itself is wrong, sending it again cannot succeed. */
  readonly senderFault: boolean;
  readonly code: string;
}

/** One SendMessageBatch call: resolves with the entries SQS did not take, throws when the call failed. */
export interface QueueSender {
  sendBatch(entries: readonly SendEntry[]): Promise<readonly SendFailure[]>;
}

export function sqsSender(client: Pick<SQSClient, 'send'>, queueUrl: string): QueueSender {
  return {
    async sendBatch(entries) {
      const output = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((entry) => ({
            Id: entry.id,
            MessageBody: entry.message.body,
            MessageAttributes: {
              [LOG_TYPE_ATTRIBUTE]: { DataType: 'String', StringValue: entry.message.logType },
            },
          })),
        }),
      );
      // An entry counts as queued only when SQS lists it as successful: one it answered for under
      // another Id (or not at all) is a failure, never a 200 for events that were not queued.
      const queued = new Set((output.Successful ?? []).map((entry) => entry.Id));
      const failed = new Map((output.Failed ?? []).map((failure) => [failure.Id, failure]));
      return entries
        .filter((entry) => !queued.has(entry.id))
        .map((entry) => {
          const failure = failed.get(entry.id);
          return {
            id: entry.id,
            senderFault: failure?.SenderFault ?? false,
            code: failure?.Code ?? 'NotAcknowledged',
          };
        });
    },
  };
}

export interface EnqueueOptions {
  /** Sum of message sizes per SendMessageBatch call (SQS caps it at the maximum message size). */
  readonly maxBatchBytes: number;
  /** Calls per batch, the first included. Default: 3. */
  readonly attempts?: number;
  /** Default: 100 ms, doubled after every attempt. */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface EnqueueResult {
  /** True when every message was accepted by SQS. */
  readonly ok: boolean;
  readonly messagesSent: number;
  readonly messagesFailed: number;
  /** SQS error codes / exception names seen, for the log. */
  readonly errors: readonly string[];
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends every message, retrying the entries (or calls) that failed for a reason that may pass,
 * and says whether all of them are now durably queued. The caller answers 2xx only then.
 */
export async function enqueueAll(
  messages: readonly QueueMessage[],
  sender: QueueSender,
  options: EnqueueOptions,
): Promise<EnqueueResult> {
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? sleepFor;
  const errors = new Set<string>();
  const batches = packBatches(messages, options.maxBatchBytes);

  const sendOne = async (batch: QueueMessage[]): Promise<number> => {
    let pending: SendEntry[] = batch.map((message, index) => ({ id: String(index), message }));
    let givenUp = 0;
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(baseDelayMs * 2 ** (attempt - 2));
      let failures: readonly SendFailure[];
      try {
        failures = await sender.sendBatch(pending);
      } catch (error) {
        errors.add(error instanceof Error ? error.name : 'Error');
        continue;
      }
      const byId = new Map(pending.map((entry) => [entry.id, entry]));
      const retry: SendEntry[] = [];
      for (const failure of failures) {
        errors.add(failure.code);
        const entry = byId.get(failure.id);
        if (!entry) continue;
        if (failure.senderFault) givenUp++;
        else retry.push(entry);
      }
      pending = retry;
    }
    return givenUp + pending.length;
  };

  const results = await settleWithLimit(batches, 5, sendOne);
  let messagesFailed = 0;
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') messagesFailed += result.value;
    else messagesFailed += batches[index].length;
  });
  return {
    ok: messagesFailed === 0,
    messagesSent: messages.length - messagesFailed,
    messagesFailed,
    errors: [...errors],
  };
}
