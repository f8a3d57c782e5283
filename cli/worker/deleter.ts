import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { errorMessage } from '../../lambda/core/errors';
import type { WorkerLog } from './worker';

interface PendingDelete {
  readonly message: Message;
  readonly answered: () => void;
}

/**
 * Deletes messages as soon as they are handed in, without waiting for the rest of their batch:
 * the first starts a DeleteMessageBatch at once; those handed in while it is under way go together
 * in the next one (up to 10 per request).
 */
export class MessageDeleter {
  private readonly pending: PendingDelete[] = [];
  private flushing?: Promise<void>;
  private notDeleted = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly log?: WorkerLog,
  ) {}

  /** Resolves once SQS answered (never rejects: a message not deleted is delivered again). */
  delete(message: Message): Promise<void> {
    return new Promise((answered) => {
      this.pending.push({ message, answered });
      this.flushing ??= this.flush();
    });
  }

  /** Waits for every delete handed in; returns how many messages could not be deleted. */
  async drain(): Promise<number> {
    while (this.flushing) await this.flushing;
    return this.notDeleted;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const chunk = this.pending.splice(0, 10);
      try {
        const response = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map(({ message }, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        );
        if (response.Failed?.length) {
          this.notDeleted += response.Failed.length;
          this.log?.warn('delete refused; the messages will be delivered again', {
            failed: response.Failed.map((entry) => entry.Code),
          });
        }
      } catch (error) {
        this.notDeleted += chunk.length;
        this.log?.warn('delete failed; the messages will be delivered again', {
          error: errorMessage(error),
        });
      } finally {
        for (const { answered } of chunk) answered();
      }
    }
    this.flushing = undefined;
  }
}
