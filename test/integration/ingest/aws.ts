import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Helpers that play Lambda's part between SQS and the batcher, against moto. */

export async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** A bucket whose ObjectCreated notifications under `prefix` go to `queueArn`, like the stack wires it. */
export async function createNotifyingBucket(s3: S3Client, bucket: string, prefix: string, queueArn: string) {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: queueArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `${prefix}/` }] } },
          },
        ],
      },
    }),
  );
}

export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  visibilityTimeout = 30,
): Promise<Message[]> {
  const messages: Message[] = [];
  for (let empty = 0; empty < 2;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: visibilityTimeout,
        WaitTimeSeconds: 0,
      }),
    );
    if (!Messages || Messages.length === 0) empty++;
    else messages.push(...Messages);
  }
  return messages;
}

/** The SQSEvent Lambda's event source mapping would build from these received messages. */
export function toSqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((message): SQSRecord => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: message.Attributes?.SentTimestamp ?? '0',
        SenderId: message.Attributes?.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          { dataType: value.DataType ?? 'String', stringValue: value.StringValue },
        ]),
      ),
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * What Lambda does with a batch response: deletes the messages that succeeded; the failed ones
 * return to the queue (here at once, instead of after the visibility timeout).
 */
export async function settle(sqs: SQSClient, queueUrl: string, event: SQSEvent, response: SQSBatchResponse) {
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  for (const record of event.Records) {
    if (failed.has(record.messageId)) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    } else {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }));
    }
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (Contents ?? []).map((object) => object.Key!).sort();
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

/** Object keys announced by ObjectCreated notifications in `queueUrl` (S3's test event skipped, keys decoded). */
export async function notifiedKeys(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const keys: string[] = [];
  for (const message of await receiveAll(sqs, queueUrl)) {
    const body = JSON.parse(message.Body ?? '{}') as {
      Records?: { eventName: string; s3: { object: { key: string } } }[];
    };
    for (const record of body.Records ?? []) {
      if (record.eventName.startsWith('ObjectCreated:')) {
        keys.push(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
      }
    }
  }
  return keys.sort();
}
