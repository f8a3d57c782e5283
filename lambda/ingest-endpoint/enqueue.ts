import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SluiceError } from '../core/errors';
import { settleWithLimit } from '../core/ingest/concurrency';
import { LOG_TYPE_ATTRIBUTE } from '../core/ingest/events';
import { classifyEntryFailure } from '../core/ingest/queue-refusals';
import { packBatches, splitMessage, type QueueMessage } from '../core/ingest/queue-messages';

export interface SendEntry {
  readonly id: string;
  readonly message: QueueMessage;
}

export interface SendFailure {
  readonly id: string;
  /** SQS's verdict: the sender is to blame (the entry, or the queue's key, policy or rate: see `code`). */
  readonly senderFault: boolean;
  readonly code: string;
}

/**
 * One SendMessageBatch call: resolves with the entries SQS did not take, throws when the call failed
 * or `signal` aborted it.
 */
export interface QueueSender {
  sendBatch(entries: readonly SendEntry[], signal?: AbortSignal): Promise<readonly SendFailure[]>;
}

export function sqsSender(client: Pick<SQSClient, 'send'>, queueUrl: string): QueueSender {
  return {
    async sendBatch(entries, signal) {
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
        { abortSignal: signal },
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
  /**
   * When sending stops (epoch ms, `now`'s clock): no call starts after it, and the calls still under
   * way are aborted and their events counted unsent. Default: none.
   */
  readonly deadline?: number;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

/** An event SQS refused for its content (`classifyEntryFailure`): sending it again, as it is, cannot succeed. */
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
  /**
   * Of `eventsUnsent`, those whose last failure was a sender fault that is not about their content
   * (the queue's KMS key, its policy, throttling, an unknown code), on their entry or on the whole
   * call: an operator has to look.
   */
  readonly eventsBlocked: number;
  /** The error codes behind `eventsBlocked`. */
  readonly queueFaults: readonly string[];
  /** Events SQS refused for good, each named alone (see `enqueueAll`), in index order. */
  readonly refused: readonly RefusedEvent[];
  /** SQS error codes / exception names seen, for the log. */
  readonly errors: readonly string[];
  /** True when the deadline stopped sending before every event had an answer from SQS. */
  readonly deadlineReached: boolean;
}

/** The SDK marks the service errors it blames on the caller (`$fault`); network errors have none. */
function isClientFault(error: unknown): boolean {
  return (error as { $fault?: unknown } | undefined)?.$fault === 'client';
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles like `promise`, or rejects as soon as `signal` aborts (the promise's outcome is then ignored). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

interface Round {
  unsent: number;
  blocked: number;
  refused: { message: QueueMessage; code: string }[];
}

/**
 * Sends every message, retrying the entries (or calls) that failed for a reason that may pass,
 * and says which events are now durably queued. The caller answers 2xx only when all are.
 *
 * An entry SQS refuses for its content (`classifyEntryFailure`) is not retried as it is: a
 * message of several events is split and its events sent again one per message, so that only the
 * events SQS refuses on their own are reported refused and every other one is queued. Any other
 * failure, a sender fault included, is retried and its events stay unsent if it persists.
 *
 * At the deadline the calls under way are aborted (a hung SendMessageBatch must not run the
 * invocation into API Gateway's or Lambda's timeout): their events count as unsent, though SQS may
 * have queued them, which a retrying producer then sends twice (at least once).
 */
export async function enqueueAll(
  messages: readonly QueueMessage[],
  sender: QueueSender,
  options: EnqueueOptions,
): Promise<EnqueueResult> {
  const attempts = options.attempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? sleepFor;
  const now = options.now ?? Date.now;
  const errors = new Set<string>();
  const queueFaults = new Set<string>();
  const stop = new AbortController();
  const timer =
    options.deadline === undefined
      ? undefined
      : setTimeout(
          () =>
            stop.abort(
              new SluiceError('INGEST_SEND_DEADLINE', 'the send deadline passed', {
                deadline: options.deadline,
              }),
            ),
          Math.max(0, options.deadline - now()),
        );

  const sendOne = async (batch: QueueMessage[]): Promise<Round> => {
    let pending: SendEntry[] = batch.map((message, index) => ({ id: String(index), message }));
    const refused: Round['refused'] = [];
    // Per entry, the queue fault of its latest answer: what the operator must fix if it stays unsent.
    const lastQueueFault = new Map<string, string>();
    for (let attempt = 1; attempt <= attempts && pending.length > 0 && !stop.signal.aborted; attempt++) {
      let failures: readonly SendFailure[];
      try {
        if (attempt > 1) await untilAborted(sleep(baseDelayMs * 2 ** (attempt - 2)), stop.signal);
        failures = await untilAborted(sender.sendBatch(pending, stop.signal), stop.signal);
      } catch (error) {
        lastQueueFault.clear();
        if (stop.signal.aborted) continue;
        const name = error instanceof Error ? error.name : 'Error';
        errors.add(name);
        // A whole call SQS refused as the sender's fault (no such queue, its key disabled) blames the
        // queue, never one event: the operator must look, as for the same code on an entry.
        if (isClientFault(error)) for (const entry of pending) lastQueueFault.set(entry.id, name);
        continue;
      }
      const byId = new Map(pending.map((entry) => [entry.id, entry]));
      const retry: SendEntry[] = [];
      for (const failure of failures) {
        errors.add(failure.code);
        const entry = byId.get(failure.id);
        if (!entry) continue;
        const kind = classifyEntryFailure(failure);
        if (kind === 'content') refused.push({ message: entry.message, code: failure.code });
        else retry.push(entry);
        if (kind === 'queue') lastQueueFault.set(entry.id, failure.code);
        else lastQueueFault.delete(entry.id);
      }
      pending = retry;
    }
    const events = (entries: readonly SendEntry[]) =>
      entries.reduce((sum, entry) => sum + entry.message.eventIndexes.length, 0);
    const blocked = pending.filter((entry) => lastQueueFault.has(entry.id));
    for (const entry of blocked) queueFaults.add(lastQueueFault.get(entry.id)!);
    return { unsent: events(pending), blocked: events(blocked), refused };
  };

  const sendAll = async (toSend: readonly QueueMessage[]): Promise<Round> => {
    const batches = packBatches(toSend, options.maxBatchBytes);
    const results = await settleWithLimit(batches, 5, sendOne);
    const round: Round = { unsent: 0, blocked: 0, refused: [] };
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        round.unsent += result.value.unsent;
        round.blocked += result.value.blocked;
        round.refused.push(...result.value.refused);
      } else {
        round.unsent += batches[index].reduce((sum, message) => sum + message.eventIndexes.length, 0);
      }
    });
    return round;
  };

  let first: Round;
  let second: Round | undefined;
  try {
    first = await sendAll(messages);
    const shared = first.refused.filter(({ message }) => message.eventIndexes.length > 1);
    if (shared.length > 0) second = await sendAll(shared.flatMap(({ message }) => splitMessage(message)));
  } finally {
    clearTimeout(timer);
  }
  const single = first.refused.filter(({ message }) => message.eventIndexes.length === 1);
  const refused = [...single, ...(second?.refused ?? [])]
    .map(({ message, code }) => ({ index: message.eventIndexes[0], code }))
    .sort((a, b) => a.index - b.index);
  const eventsUnsent = first.unsent + (second?.unsent ?? 0);
  return {
    ok: eventsUnsent === 0 && refused.length === 0,
    eventsUnsent,
    eventsBlocked: first.blocked + (second?.blocked ?? 0),
    queueFaults: [...queueFaults],
    refused,
    errors: [...errors],
    deadlineReached: stop.signal.aborted && eventsUnsent > 0,
  };
}
