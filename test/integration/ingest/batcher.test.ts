import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BatcherConfig } from '../../../lambda/ingest-batcher/config';
import { createBatcherHandler } from '../../../lambda/ingest-batcher/handler';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { quietLogger, quietMetrics } from '../../unit/ingest/powertools';
import {
  createNotifyingBucket,
  createQueue,
  listKeys,
  notifiedKeys,
  readObject,
  receiveAll,
  settle,
  toSqsEvent,
} from './aws';

const BUCKET = 'sluice-logs-test';
const PREFIX = 'apps/logs';
const NOW = new Date('2024-02-01T18:50:04Z');
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('ingest batcher against moto: SQS in, S3 out, ObjectCreated to the object queue', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let sqs: SQSClient;
  let objectQueue: { url: string; arn: string };
  let queueCount = 0;

  const config: BatcherConfig = {
    bucketName: BUCKET,
    prefix: PREFIX,
    quarantinePrefix: 'sluice/quarantine',
    maxEntriesPerObject: 1000,
    maxBytesPerObject: 100 * 1024 * 1024,
    gzip: false,
    defaultLogType: 'app',
  };
  const batcher = (overrides: Partial<BatcherConfig> = {}) =>
    createBatcherHandler({
      config: { ...config, ...overrides },
      s3,
      logger: quietLogger(),
      metrics: quietMetrics(),
      now: () => NOW,
    });

  /** An ingest queue with its DLQ, as `IngestQueue` builds it (maxReceiveCount lowered to keep the test short). */
  async function ingestQueue(maxReceiveCount = 5) {
    queueCount++;
    const dlq = await createQueue(sqs, `ingest-dlq-${queueCount}`);
    const queue = await createQueue(sqs, `ingest-${queueCount}`, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
    });
    return { queue, dlq };
  }

  async function depth(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  }

  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    sqs = new SQSClient(motoClientConfig(moto.endpoint));
    objectQueue = await createQueue(sqs, 'object-queue');
    await createNotifyingBucket(s3, BUCKET, PREFIX, objectQueue.arn);
  });

  after(async () => {
    s3?.destroy();
    sqs?.destroy();
    await moto?.stop();
  });

  it('writes the received events as NDJSON objects in the key layout, and S3 announces them to the object queue', async () => {
    const { queue } = await ingestQueue();
    const send = (body: string, logType?: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: body,
          MessageAttributes: logType ? { logType: { DataType: 'String', StringValue: logType } } : undefined,
        }),
      );
    await send('{"logType":"audit","actor":"alice","action":"login"}');
    await send(
      '{"actor":"bob","action":"logout"}\n{"logType":"audit","actor":"carol" , "n": 1.50}',
      'orders',
    );
    await send('{\n  "pretty": true\n}');

    const messages = await receiveAll(sqs, queue.url);
    assert.equal(messages.length, 3);
    const event = toSqsEvent(messages, queue.arn);
    const response = await batcher()(event);
    assert.deepEqual(response, { batchItemFailures: [] });
    await settle(sqs, queue.url, event, response);
    assert.equal(await depth(queue.url), 0, 'written messages are deleted from the ingest queue');

    const keys = await listKeys(s3, BUCKET, `${PREFIX}/`);
    assert.equal(keys.length, 3);
    const keyOf = (logType: string) => {
      const key = keys.find((candidate) => candidate.startsWith(`${PREFIX}/${logType}/`));
      assert.ok(key, `no object for ${logType} in ${keys.join(', ')}`);
      assert.match(key, new RegExp(`^${PREFIX}/${logType}/2024/02/01/18/50/${UUID}\\.json$`));
      return key;
    };
    const bodyOf = async (logType: string) => (await readObject(s3, BUCKET, keyOf(logType))).toString();
    const audit = await bodyOf('audit');
    // Arrival order is SQS's; the lines themselves are byte-for-byte what producers sent.
    assert.deepEqual(audit.split('\n').sort(), [
      '',
      '{"logType":"audit","actor":"alice","action":"login"}',
      '{"logType":"audit","actor":"carol" , "n": 1.50}',
    ]);
    assert.equal(await bodyOf('orders'), '{"actor":"bob","action":"logout"}\n');
    assert.equal(await bodyOf('app'), '{  "pretty": true}\n');

    assert.deepEqual(await notifiedKeys(sqs, objectQueue.url), keys);
  });

  it('writes gzip objects as .json.gz when configured', async () => {
    const { queue } = await ingestQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"logType":"gz","n":1}' }));
    const event = toSqsEvent(await receiveAll(sqs, queue.url), queue.arn);
    assert.deepEqual(await batcher({ gzip: true })(event), { batchItemFailures: [] });
    const [key] = await listKeys(s3, BUCKET, `${PREFIX}/gz/`);
    assert.match(key, new RegExp(`^${PREFIX}/gz/2024/02/01/18/50/${UUID}\\.json\\.gz$`));
    assert.equal(gunzipSync(await readObject(s3, BUCKET, key)).toString(), '{"logType":"gz","n":1}\n');
    assert.deepEqual(await notifiedKeys(sqs, objectQueue.url), [key]);
  });

  it('quarantines a message that can never be written, with the reason, and takes it off the queue', async () => {
    const { queue } = await ingestQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'plain text, not JSON' }));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"logType":"../../escape"}' }),
    );
    const messages = await receiveAll(sqs, queue.url);
    const event = toSqsEvent(messages, queue.arn);
    const response = await batcher()(event);
    assert.deepEqual(response, { batchItemFailures: [] });
    await settle(sqs, queue.url, event, response);
    assert.equal(await depth(queue.url), 0);

    const [key, ...others] = await listKeys(s3, BUCKET, 'sluice/quarantine/');
    assert.deepEqual(others, []);
    assert.match(key, new RegExp(`^sluice/quarantine/ingest/2024/02/01/${UUID}\\.json$`));
    const lines = (await readObject(s3, BUCKET, key))
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { code: string; messageId: string; body: string });
    assert.deepEqual(lines.map((line) => [line.code, line.body]).sort(), [
      ['INVALID_JSON', 'plain text, not JSON'],
      ['LOG_TYPE_INVALID', '{"logType":"../../escape"}'],
    ]);
    assert.deepEqual(
      lines.map((line) => line.messageId).sort(),
      messages.map((message) => message.MessageId).sort(),
    );
    assert.deepEqual(
      await notifiedKeys(sqs, objectQueue.url),
      [],
      'quarantine objects are outside the forwarded prefix',
    );
  });

  it('returns messages it could not write to the queue; after maxReceiveCount they wait in the DLQ', async () => {
    const { queue, dlq } = await ingestQueue(2);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"logType":"audit","keep":"me"}' }),
    );
    const broken = batcher({ bucketName: 'no-such-bucket' });
    for (let receive = 1; receive <= 2; receive++) {
      const event = toSqsEvent(await receiveAll(sqs, queue.url), queue.arn);
      assert.equal(event.Records.length, 1, `receive ${receive}`);
      const response = await broken(event);
      assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: event.Records[0].messageId }]);
      await settle(sqs, queue.url, event, response);
    }
    assert.deepEqual(await receiveAll(sqs, queue.url), [], 'moved to the DLQ on the next receive');
    const parked = await receiveAll(sqs, dlq.url);
    assert.deepEqual(
      parked.map((message) => message.Body),
      ['{"logType":"audit","keep":"me"}'],
    );
  });
});
