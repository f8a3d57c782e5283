import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { errorMessage } from '../../lambda/core/errors';
import { lambdaContext, toSqsEvent, type BatchHandler } from './sqs-event';

export interface WorkerLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: BatchHandler;
  /** Messages per batch, 1–10 (one ReceiveMessage). Default: 10. */
  readonly batchSize?: number;
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

const chunksOf10 = <T>(items: readonly T[]): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += 10) chunks.push(items.slice(index, index + 10));
  return chunks;
};

/**
 * Lambda's SQS event source mapping, as a long-running process: receive a batch, hand it to the
 * handler while a heartbeat keeps the messages invisible, delete exactly the messages that succeeded,
 * and leave the failed ones to be retried (and dead-lettered after maxReceiveCount). `stop()` stops
 * receiving, lets the batches in progress finish and settle, then resolves.
 */
export class QueueWorker {
  readonly totals: WorkerTotals = { batches: 0, received: 0, succeeded: 0, failed: 0, undeleted: 0 };
  private stopping = false;
  private readonly polls = new Set<AbortController>();
  private running?: Promise<void>;
  private inProgress = 0;

  constructor(private readonly options: WorkerOptions) {}

  /** Batches being processed right now. */
  get busy(): boolean {
    return this.inProgress > 0;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  private get visibility(): number {
    return this.options.visibilityTimeoutSeconds ?? 60;
  }

  /** Receives at most one batch and processes it. */
  async pollOnce(waitSeconds = this.options.waitSeconds ?? 20): Promise<BatchResult> {
    const messages = await this.receive(waitSeconds);
    if (messages.length === 0) return { received: 0, succeeded: 0, failed: 0, undeleted: 0 };
    this.inProgress += 1;
    try {
      return await this.process(messages);
    } finally {
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

  private async receive(waitSeconds: number): Promise<Message[]> {
    if (this.stopping) return [];
    const poll = new AbortController();
    this.polls.add(poll);
    try {
      const response = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(Math.max(this.options.batchSize ?? 10, 1), 10),
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

  private async process(messages: Message[]): Promise<BatchResult> {
    const heartbeat = this.startHeartbeat(messages);
    let failedIds: Set<string>;
    try {
      const event = toSqsEvent(messages, this.options.queueArn, this.options.region);
      const context = lambdaContext(this.options.invocationTimeoutMs ?? 300_000, this.options.functionName);
      const response = await this.options.handler(event, context);
      failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // The whole invocation failed (as a Lambda error would): every message is retried.
      this.options.log?.warn('batch failed as a whole; every message will be retried', {
        error: errorMessage(error),
      });
      failedIds = new Set(messages.map((message) => message.MessageId!));
    } finally {
      await heartbeat.stop();
    }
    const succeeded = messages.filter((message) => !failedIds.has(message.MessageId!));
    const failed = messages.filter((message) => failedIds.has(message.MessageId!));
    const undeleted = await this.delete(succeeded);
    if (failed.length > 0 && this.options.retryDelaySeconds !== undefined)
      await this.release(failed, this.options.retryDelaySeconds);
    const result = {
      received: messages.length,
      succeeded: succeeded.length,
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

  /** Extends the batch's visibility every heartbeat until stopped, so no other consumer receives it meanwhile. */
  private startHeartbeat(messages: Message[]): { stop(): Promise<void> } {
    const everyMs = Math.max(200, (this.options.heartbeatSeconds ?? this.visibility / 3) * 1000);
    let beat: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      beat = beat
        .then(() => this.changeVisibility(messages, this.visibility))
        .catch((error: unknown) =>
          this.options.log?.warn('visibility extension failed', { error: errorMessage(error) }),
        );
    }, everyMs);
    return {
      stop: async () => {
        clearInterval(timer);
        await beat;
      },
    };
  }

  private async changeVisibility(messages: readonly Message[], seconds: number): Promise<void> {
    for (const chunk of chunksOf10(messages)) {
      const response = await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: seconds,
          })),
        }),
      );
      if (response.Failed?.length) {
        this.options.log?.warn('visibility change refused for some messages', {
          failed: response.Failed.map((entry) => entry.Code),
        });
      }
    }
  }

  private async release(messages: readonly Message[], seconds: number): Promise<void> {
    try {
      await this.changeVisibility(messages, seconds);
    } catch (error) {
      this.options.log?.warn(
        'could not release failed messages early; they return after their visibility timeout',
        {
          error: errorMessage(error),
        },
      );
    }
  }

  /** Deletes the messages that succeeded; returns how many could not be deleted. */
  private async delete(messages: readonly Message[]): Promise<number> {
    let undeleted = 0;
    for (const chunk of chunksOf10(messages)) {
      try {
        const response = await this.options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        );
        undeleted += response.Failed?.length ?? 0;
      } catch (error) {
        undeleted += chunk.length;
        this.options.log?.warn('delete failed; the messages will be delivered again', {
          error: errorMessage(error),
        });
      }
    }
    return undeleted;
  }
}
