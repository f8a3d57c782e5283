import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { settleWithLimit } from '../core/ingest/concurrency';
import { LOG_TYPE_ATTRIBUTE } from '../core/ingest/events';
import { packBatches, splitMessage, type QueueMessage } from '../core/ingest/queue-messages';

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

/** An event SQS refused as the sender's fault: sending it again, as it is, cannot succeed. */
export interface RefusedEvent {
  /** Its position in the events the messages were packed from (`QueueMessage.eventIndexes`). */
  readonly index: number;
  /** SQS's error code for the entry that carried it alone. */
  readonly code: string;
}

export interface EnqueueResult {
  /** True when every event is in the queue. */
  readonly ok: boolean;
  /** Events still not queued after the last attempt, for reasons that may pass (a retry can succeed). */
  readonly eventsUnsent: number;
  /** Events SQS refused for good, each named alone (see `enqueueAll`), in index order. */
  readonly refused: readonly RefusedEvent[];
  /** SQS error codes / exception names seen, for the log. */
  readonly errors: readonly string[];
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Round {
  unsent: number;
  refused: { message: QueueMessage; code: string }[];
}

/**
 * Sends every message, retrying the entries (or calls) that failed for a reason that may pass,
 * and says which events are now durably queued. The caller answers 2xx only when all are.
 *
 * An entry SQS refuses as the sender's fault (`SenderFault: true`) is not retried as it is: a
 * message of several events is split and its events sent again one per message, so that only the
 * events SQS refuses on their own are reported refused and every other one is queued.
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

  const sendOne = async (batch: QueueMessage[]): Promise<Round> => {
    let pending: SendEntry[] = batch.map((message, index) => ({ id: String(index), message }));
    const refused: Round['refused'] = [];
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
        if (failure.senderFault) refused.push({ message: entry.message, code: failure.code });
        else retry.push(entry);
      }
      pending = retry;
    }
    const unsent = pending.reduce((sum, entry) => sum + entry.message.eventIndexes.length, 0);
    return { unsent, refused };
  };

  const sendAll = async (toSend: readonly QueueMessage[]): Promise<Round> => {
    const batches = packBatches(toSend, options.maxBatchBytes);
    const results = await settleWithLimit(batches, 5, sendOne);
    const round: Round = { unsent: 0, refused: [] };
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        round.unsent += result.value.unsent;
        round.refused.push(...result.value.refused);
      } else {
        round.unsent += batches[index].reduce((sum, message) => sum + message.eventIndexes.length, 0);
      }
    });
    return round;
  };

  const first = await sendAll(messages);
  const single = first.refused.filter(({ message }) => message.eventIndexes.length === 1);
  const shared = first.refused.filter(({ message }) => message.eventIndexes.length > 1);
  const second =
    shared.length > 0 ? await sendAll(shared.flatMap(({ message }) => splitMessage(message))) : undefined;
  const refused = [...single, ...(second?.refused ?? [])]
    .map(({ message, code }) => ({ index: message.eventIndexes[0], code }))
    .sort((a, b) => a.index - b.index);
  const eventsUnsent = first.unsent + (second?.unsent ?? 0);
  return { ok: eventsUnsent === 0 && refused.length === 0, eventsUnsent, refused, errors: [...errors] };
}
