import type { AlertChannel } from '../channel';
import { sendWithRetries, type SenderOptions } from '../sender';
import { classifySnsPublish } from './classifier';
import { snsMessage } from './encoder';
import type { SnsMessage, SnsPublisher } from './publisher';

export interface SnsChannelOptions {
  readonly name: string;
  readonly topicArn: string;
  readonly publisher: SnsPublisher;
  readonly requestTimeoutMs: number;
  readonly sender?: SenderOptions;
}

/** The stack's alert topic: subject plus the alert as JSON, with attributes to filter by level. */
export function createSnsChannel(options: SnsChannelOptions): AlertChannel {
  return {
    name: options.name,
    type: 'sns',
    send: (alert, deadline) => {
      let message: SnsMessage | undefined;
      return sendWithRetries(
        options.name,
        async (remainingMs) => {
          // Encoded inside the attempt, so that an encoder bug is reported like any failure.
          message ??= snsMessage(alert);
          const timeoutMs = Math.max(1, Math.min(options.requestTimeoutMs, remainingMs));
          return classifySnsPublish(await options.publisher.publish(options.topicArn, message, timeoutMs));
        },
        deadline,
        options.sender,
      );
    },
  };
}
