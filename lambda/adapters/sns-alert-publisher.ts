import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SnsMessage, SnsPublisher, SnsPublishResult } from '../core/detections/routing/sns/publisher';

/**
 * Publishes alerts to the stack's SNS topic with the AWS SDK v3. Failures are returned, never thrown:
 * SNS's error name and HTTP status (its messages name the parameter at fault, never a secret: an alert
 * topic holds none), or the network error when there was no answer. Give the client `maxAttempts: 1`:
 * the alert sender retries within the invocation's deadline itself.
 */
export class SnsAlertPublisher implements SnsPublisher {
  constructor(private readonly client: SNSClient) {}

  async publish(topicArn: string, message: SnsMessage, timeoutMs: number): Promise<SnsPublishResult> {
    try {
      const response = await this.client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: message.subject,
          Message: message.message,
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([name, { dataType, value }]) => [
              name,
              { DataType: dataType, StringValue: value },
            ]),
          ),
        }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
      return { ok: true, messageId: response.MessageId ?? '' };
    } catch (error) {
      const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      return {
        ok: false,
        failure: {
          name: failure.name ?? 'Error',
          status: failure.$metadata?.httpStatusCode,
          message: (failure.message ?? '').replace(/\s+/g, ' ').slice(0, 300),
        },
      };
    }
  }
}
