import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { errorMessage } from '../../lambda/core/errors';
import type { WorkerLog } from './worker';

const chunksOf10 = <T>(items: readonly T[]): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += 10) chunks.push(items.slice(index, index + 10));
  return chunks;
};

/** Sets the visibility of `messages` (10 per request); returns the messages SQS refused, with its codes. */
export async function changeVisibility(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
  seconds: number,
): Promise<{ readonly message: Message; readonly code: string }[]> {
  const refused: { message: Message; code: string }[] = [];
  for (const chunk of chunksOf10(messages)) {
    const response = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: seconds,
        })),
      }),
    );
    for (const entry of response.Failed ?? []) {
      const message = chunk[Number(entry.Id)];
      if (message) refused.push({ message, code: entry.Code ?? 'unknown' });
    }
  }
  return refused;
}

export interface HeartbeatOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The visibility each beat sets. */
  readonly visibilitySeconds: number;
  readonly everyMs: number;
  readonly log?: WorkerLog;
}

/**
 * Keeps the messages it holds invisible to other consumers, by extending their visibility every
 * `everyMs`, from the moment they are received (also while a batch is still being gathered) until
 * each is released (deleted, or handed back to the queue).
 */
export class VisibilityHeartbeat {
  private readonly held = new Map<string, Message>();
  private beat: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: HeartbeatOptions) {
    this.timer = setInterval(() => {
      this.beat = this.beat.then(() => this.extend());
    }, options.everyMs);
  }

  /** Holds these messages (a message received again replaces its earlier receipt). */
  hold(messages: readonly Message[]): void {
    for (const message of messages) this.held.set(message.MessageId!, message);
  }

  release(messageId: string): void {
    this.held.delete(messageId);
  }

  /** Stops extending; resolves once a beat in progress has been answered. Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.held.clear();
    await this.beat;
  }

  private async extend(): Promise<void> {
    const messages = [...this.held.values()];
    if (messages.length === 0) return;
    try {
      const refused = await changeVisibility(
        this.options.sqs,
        this.options.queueUrl,
        messages,
        this.options.visibilitySeconds,
      );
      // A message released (deleted) while the beat was under way is refused; that is no news.
      const stillHeld = refused.filter(({ message }) => this.held.get(message.MessageId!) === message);
      if (stillHeld.length > 0) {
        this.options.log?.warn('visibility change refused for some messages', {
          failed: stillHeld.map(({ code }) => code),
        });
      }
    } catch (error) {
      this.options.log?.warn('visibility extension failed', { error: errorMessage(error) });
    }
  }
}
