import type { SQSClient } from '@aws-sdk/client-sqs';
import { SluiceError } from '../core/errors';
import type { ContinuationQueue } from '../core/forward/process-message';
import { sendEachOnce, type SendEachOptions } from './sqs-send-each';

/** The object queue, as the forwarder sends its continuations to it. */
export class SqsContinuationQueue implements ContinuationQueue {
  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    private readonly options: SendEachOptions = {},
  ) {}

  async send(bodies: readonly string[]): Promise<void> {
    const { taken, lastError } = await sendEachOnce(this.sqs, this.queueUrl, bodies, this.options);
    const refused = bodies.length - taken.size;
    if (refused === 0) return;
    throw new SluiceError(
      'CONTINUATION_NOT_SENT',
      `SQS refused ${refused} of ${bodies.length} continuation message(s) after retries (${lastError}); the message is retried, and objects whose continuation was sent may be delivered twice`,
      { queueUrl: this.queueUrl, refused, sent: taken.size, lastError },
    );
  }
}
