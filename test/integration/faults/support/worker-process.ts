/**
 * A forwarder worker in a process of its own, so a test can kill it (SIGKILL) in the middle of a
 * batch, as Lambda does to an invocation that runs out of time or memory. It polls the object queue
 * like the event source, with a short visibility timeout, and reports each batch it takes on stdout.
 * Environment: the forwarder's (see createHandler) plus FAULT_QUEUE_URL, FAULT_VISIBILITY_SECONDS and
 * FAULT_MAX_RUN_MS (it stops by itself after that, should nobody kill it).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { awsClientConfig } from '../../../../lambda/adapters/aws-client-config';
import { createHandler } from '../../../../lambda/forwarder/handler';
import { lambdaContext } from './workers';

async function main(): Promise<void> {
  const queueUrl = process.env.FAULT_QUEUE_URL!;
  const visibility = Number(process.env.FAULT_VISIBILITY_SECONDS ?? 3);
  const stopAt = Date.now() + Number(process.env.FAULT_MAX_RUN_MS ?? 30_000);
  const sqs = new SQSClient(awsClientConfig(process.env));
  const handler = createHandler(process.env);
  while (Date.now() < stopAt) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibility,
      }),
    );
    if (Messages.length === 0) continue;
    process.stdout.write(`received ${Messages.length}\n`);
    const records = Messages.map((message): SQSRecord => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'worker',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:objects',
      awsRegion: 'us-east-1',
    }));
    const result = await handler({ Records: records }, lambdaContext(60_000));
    const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    for (const message of Messages) {
      if (!failed.has(message.MessageId!)) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }),
        );
      }
    }
    process.stdout.write(`done ${Messages.length}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
