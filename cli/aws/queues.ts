import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueDepth {
  /** Waiting to be received. */
  readonly visible: number;
  /** Received and not yet deleted (being processed, or failed and waiting out the visibility timeout). */
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export async function queueAttributes(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{
  arn: string;
  visibilityTimeoutSeconds: number;
  redrivePolicy?: { deadLetterTargetArn?: string; maxReceiveCount?: number };
}> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['QueueArn', 'VisibilityTimeout', 'RedrivePolicy'],
    }),
  );
  let redrivePolicy;
  try {
    redrivePolicy = Attributes.RedrivePolicy ? JSON.parse(Attributes.RedrivePolicy) : undefined;
  } catch {
    redrivePolicy = undefined;
  }
  return {
    arn: Attributes.QueueArn ?? '',
    visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout ?? 30),
    redrivePolicy,
  };
}

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/sluice-objects` → `sluice-objects` (CloudWatch's QueueName). */
export function queueNameOf(queueUrl: string): string {
  const path = new URL(queueUrl).pathname.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}
