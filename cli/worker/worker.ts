import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { errorMessage } from '../../lambda/core/errors';
import { MessageDeleter } from './deleter';
import { lambdaContext, toSqsEvent, type BatchHandler } from './sqs-event';
import { changeVisibility, VisibilityHeartbeat } from './visibility';

export interface WorkerLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: BatchHandler;
  /**
   * Messages per batch, 1–10,000. Above 10 the worker keeps receiving (10 per ReceiveMessage) until
   * it has this many or the batching window closes. Default: 10.
   */
  readonly batchSize?: number;
  /**
   * How long to keep gathering a batch after its first messages arrived, 0–300 s, like an event
   * source mapping's MaximumBatchingWindowInSeconds. Default: 0 (a batch is one ReceiveMessage).
   */
  readonly batchingWindowSeconds?: number;
  /** Stop gathering once the batch's bodies hold this many bytes. Default: 6 MiB (Lambda's payload limit). */
  readonly maxBatchBytes?: number;
  /** Long-poll wait, 0–20 s. Default: 20. */
  readonly waitSeconds?: number;
  /** Visibility of received messages, extended by the heartbeat while they are processed. Default: 60 s. */
  readonly visibilityTimeoutSeconds?: number;
  /** How often the heartbeat extends visibility. Default: a third of the visibility timeout. */
  readonly heartbeatSeconds?: number;
  /** The handler's time budget per batch (its context's remaining time). Default: 300 s. */
  readonly invocationTimeoutMs?: number;
  /**
   * Failed messages become visible again after this many seconds. Default: undefined, i.e. when their
   * visibility timeout runs out, as with Lambda. Either way their receive count grows and the queue's
   * redrive policy moves them to the DLQ after maxReceiveCount.
   */
  readonly retryDelaySeconds?: number;
  /** Batches processed at once (pollers). Default: 1. */
  readonly concurrency?: number;
  readonly functionName?: string;
  readonly log?: WorkerLog;
  readonly onBatch?: (result: BatchResult) => void;
}

export interface BatchResult {
  readonly received: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Succeeded, but the delete did not go through: the message will be delivered again (at least once). */
  readonly undeleted: number;
}

export interface WorkerTotals {
  batches: number;
  received: number;
  succeeded: number;
  failed: number;
  undeleted: number;
}

/** Lambda's limit on an invocation's payload, which also ends an event source mapping's batch. */
const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;
const NOTHING: BatchResult = { received: 0, succeeded: 0, failed: 0, undeleted: 0 };

const bytesOf = (message: Message) => Buffer.byteLength(message.Body ?? '');

/**
 * Lambda's SQS event source mapping, as a long-running process: gather a batch (up to `batchSize`
 * messages within `batchingWindowSeconds`), hand it to the handler while a heartbeat keeps the
 * messages invisible, delete each message as soon as it succeeded (the handler may say so before the
 * batch is over: a worker killed mid-batch then brings back only the unfinished messages), and leave
 * the failed ones to be retried (and dead-lettered after maxReceiveCount). `stop()` stops receiving,
 * lets the batches in progress finish and settle, then resolves.
 */
export class QueueWorker {
  readonly totals: WorkerTotals = { batches: 0, received: 0, succeeded: 0, failed: 0, undeleted: 0 };
  private stopping = false;
  private readonly polls = new Set<AbortController>();
  private running?: Promise<void>;
  private inProgress = 0;

  constructor(private readonly options: WorkerOptions) {}

  /** Batches being gathered or processed right now. */
  get busy(): boolean {
    return this.inProgress > 0;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  private get visibility(): number {
    return this.options.visibilityTimeoutSeconds ?? 60;
  }

  private get batchSize(): number {
    return Math.max(1, this.options.batchSize ?? 10);
  }

  /** Receives at most one batch (gathering it for the batching window) and processes it. */
  async pollOnce(waitSeconds = this.options.waitSeconds ?? 20): Promise<BatchResult> {
    const first = await this.receive(waitSeconds, Math.min(this.batchSize, 10));
    if (first.length === 0) return NOTHING;
    this.inProgress += 1;
    const heartbeat = new VisibilityHeartbeat({
      sqs: this.options.sqs,
      queueUrl: this.options.queueUrl,
      visibilitySeconds: this.visibility,
      everyMs: Math.max(200, (this.options.heartbeatSeconds ?? this.visibility / 3) * 1000),
      log: this.options.log,
    });
    try {
      heartbeat.hold(first);
      const messages = await this.gather(first, heartbeat);
      return await this.process(messages, heartbeat);
    } finally {
      await heartbeat.stop();
      this.inProgress -= 1;
    }
  }

  /** Polls until `stop()`, with `concurrency` pollers. */
  start(): Promise<void> {
    this.running ??= Promise.all(
      Array.from({ length: Math.max(1, this.options.concurrency ?? 1) }, () => this.loop()),
    ).then(() => undefined);
    return this.running;
  }

  /** Stops receiving; resolves once every batch in progress has been processed and settled. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const poll of this.polls) poll.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.pollOnce();
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures += 1;
        this.options.log?.warn('polling failed; retrying', { error: errorMessage(error), attempt: failures });
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(30_000, 500 * 2 ** Math.min(failures, 6))),
        );
      }
    }
  }

  private async receive(waitSeconds: number, max: number): Promise<Message[]> {
    if (this.stopping) return [];
    const poll = new AbortController();
    this.polls.add(poll);
    try {
      const response = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: this.visibility,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: poll.signal },
      );
      return response.Messages ?? [];
    } catch (error) {
      // A receive cut short by stop(): anything it would have returned stays in the queue (at least once).
      if (poll.signal.aborted) return [];
      throw error;
    } finally {
      this.polls.delete(poll);
    }
  }

  /**
   * Keeps receiving until the batch is full, the window closes, the payload limit is reached or the
   * worker stops, as the event source mapping does before it invokes. The heartbeat holds every
   * message from its receipt, so none reappears to another consumer while the batch fills up.
   */
  private async gather(first: readonly Message[], heartbeat: VisibilityHeartbeat): Promise<Message[]> {
    // By id: a message received again (its visibility lapsed) keeps only its newest receipt handle.
    const batch = new Map(first.map((message) => [message.MessageId!, message]));
    const windowMs = (this.options.batchingWindowSeconds ?? 0) * 1000;
    const maxBytes = this.options.maxBatchBytes ?? LAMBDA_PAYLOAD_BYTES;
    const closesAt = Date.now() + windowMs;
    let bytes = first.reduce((sum, message) => sum + bytesOf(message), 0);
    while (!this.stopping && batch.size < this.batchSize && bytes < maxBytes) {
      const leftMs = closesAt - Date.now();
      if (leftMs <= 0) break;
      let more: Message[];
      try {
        more = await this.receive(
          Math.min(20, Math.ceil(leftMs / 1000)),
          Math.min(10, this.batchSize - batch.size),
        );
      } catch (error) {
        this.options.log?.warn('receiving more of the batch failed; processing what was gathered', {
          error: errorMessage(error),
          messages: batch.size,
        });
        break;
      }
      heartbeat.hold(more);
      for (const message of more) {
        batch.set(message.MessageId!, message);
        bytes += bytesOf(message);
      }
    }
    return [...batch.values()];
  }

  private async process(messages: readonly Message[], heartbeat: VisibilityHeartbeat): Promise<BatchResult> {
    const deleter = new MessageDeleter(this.options.sqs, this.options.queueUrl, this.options.log);
    const byId = new Map(messages.map((message) => [message.MessageId!, message]));
    const done = new Map<string, Promise<void>>();
    const succeeded = (messageId: string): Promise<void> => {
      const message = byId.get(messageId);
      if (!message) return Promise.resolve();
      let deleted = done.get(messageId);
      if (!deleted) {
        heartbeat.release(messageId);
        deleted = deleter.delete(message);
        done.set(messageId, deleted);
      }
      return deleted;
    };

    let failedIds: Set<string>;
    try {
      const event = toSqsEvent(messages, this.options.queueArn, this.options.region);
      const context = lambdaContext(this.options.invocationTimeoutMs ?? 300_000, this.options.functionName);
      const response = await this.options.handler(event, context, { succeeded });
      failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // The whole invocation failed (as a Lambda error would): every message not done yet is retried.
      this.options.log?.warn('batch failed as a whole; every message not done yet will be retried', {
        error: errorMessage(error),
      });
      failedIds = new Set(byId.keys());
    }
    // A message already deleted counts as succeeded, whatever the response says about it.
    const failed = messages.filter(
      (message) => failedIds.has(message.MessageId!) && !done.has(message.MessageId!),
    );
    for (const message of messages)
      if (!failedIds.has(message.MessageId!)) void succeeded(message.MessageId!);
    // No beat may land after the failed messages are released below.
    await heartbeat.stop();
    const undeleted = await deleter.drain();
    if (failed.length > 0 && this.options.retryDelaySeconds !== undefined)
      await this.release(failed, this.options.retryDelaySeconds);
    const result = {
      received: messages.length,
      succeeded: messages.length - failed.length,
      failed: failed.length,
      undeleted,
    };
    this.totals.batches += 1;
    this.totals.received += result.received;
    this.totals.succeeded += result.succeeded;
    this.totals.failed += result.failed;
    this.totals.undeleted += result.undeleted;
    this.options.onBatch?.(result);
    return result;
  }

  private async release(messages: readonly Message[], seconds: number): Promise<void> {
    try {
      const refused = await changeVisibility(this.options.sqs, this.options.queueUrl, messages, seconds);
      if (refused.length > 0) {
        this.options.log?.warn('visibility change refused for some messages', {
          failed: refused.map(({ code }) => code),
        });
      }
    } catch (error) {
      this.options.log?.warn(
        'could not release failed messages early; they return after their visibility timeout',
        { error: errorMessage(error) },
      );
    }
  }
}
