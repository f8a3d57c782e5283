import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { classifyKey } from '../../../lambda/core/layout/key-layout';
import { createBatcherHandler } from '../../../lambda/ingest-batcher/handler';
import { sqsSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { secretTokenSource } from '../../../lambda/ingest-endpoint/token-source';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { quietLogger, quietMetrics } from '../../unit/ingest/powertools';
import { createQueue, listKeys, readObject, receiveAll, settle, toSqsEvent } from './aws';
import { httpEvent } from './http-events';

const BUCKET = 'sluice-pipeline-test';
const SOURCES = [
  { name: 'strongdm', prefix: 'sdm/logs' },
  { name: 'apps', prefix: 'apps/logs' },
];

interface Notification {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size: number } };
}

async function notifications(sqs: SQSClient, queueUrl: string): Promise<Notification[]> {
  const received: Message[] = [];
  for (let empty = 0; empty < 2;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (!Messages?.length) empty++;
    else received.push(...Messages);
  }
  return received.flatMap(
    (message) => (JSON.parse(message.Body ?? '{}') as { Records?: Notification[] }).Records ?? [],
  );
}

describe('ingest pipeline against moto: HTTPS endpoint → ingest queue → batcher → bucket → object queue', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let sqs: SQSClient;
  let secrets: SecretsManagerClient;

  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    sqs = new SQSClient(motoClientConfig(moto.endpoint));
    secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
  });

  after(async () => {
    s3?.destroy();
    sqs?.destroy();
    secrets?.destroy();
    await moto?.stop();
  });

  it("delivers an application's events to the object queue exactly like a vendor's object", async () => {
    const objectQueue = await createQueue(sqs, 'object-queue');
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          QueueConfigurations: SOURCES.map((source) => ({
            QueueArn: objectQueue.arn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `${source.prefix}/` }] } },
          })),
        },
      }),
    );
    const ingest = await createQueue(sqs, 'ingest');
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: 'ingest-token', SecretString: 'tok-123' }),
    );

    const endpoint = createEndpointHandler({
      config: {
        queueUrl: ingest.url,
        tokenSecretArn: ARN!,
        defaultLogType: 'app',
        maxBodyBytes: 1024 * 1024,
        maxMessageBytes: 256 * 1024,
        tokenCacheSeconds: 60,
      },
      sender: sqsSender(sqs, ingest.url),
      token: secretTokenSource(secrets, ARN!, 60),
      logger: quietLogger(),
      metrics: quietMetrics(),
    });
    const batcher = createBatcherHandler({
      config: {
        bucketName: BUCKET,
        prefix: 'apps/logs',
        quarantinePrefix: 'sluice/quarantine',
        maxEntriesPerObject: 1000,
        maxBytesPerObject: 100 * 1024 * 1024,
        gzip: false,
        enrichment: { app: 'shop', env: 'prod' },
      },
      s3,
      logger: quietLogger(),
      metrics: quietMetrics(),
    });

    // A Splunk HEC client (Fluent Bit, Vector) posts two events.
    const response = await endpoint(
      httpEvent({
        path: '/services/collector/event',
        headers: { authorization: 'Splunk tok-123' },
        body: '{"event":{"logType":"activities","actor":"svc-orders","action":"refund"}}{"event":{"actor":"svc-orders","env":"staging"}}',
      }),
    );
    assert.equal(response.statusCode, 200);

    // Lambda's event source mapping hands the queued messages to the batcher.
    const event = toSqsEvent(await receiveAll(sqs, ingest.url), ingest.arn);
    const result = await batcher(event);
    assert.deepEqual(result, { batchItemFailures: [] });
    await settle(sqs, ingest.url, event, result);

    // A vendor writes its own object.
    const vendorKey = 'sdm/logs/activities/2024/02/01/18/50/3f1d2c4b-0000-4000-8000-000000000000.json';
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: vendorKey, Body: '{"logType":"activities"}\n' }),
    );

    const appKeys = await listKeys(s3, BUCKET, 'apps/logs/');
    assert.deepEqual(
      appKeys.map((key) => key.split('/')[2]),
      ['activities', 'app'],
    );
    const bodies = await Promise.all(
      appKeys.map(async (key) => (await readObject(s3, BUCKET, key)).toString()),
    );
    assert.deepEqual(bodies, [
      '{"logType":"activities","actor":"svc-orders","action":"refund","app":"shop","env":"prod"}\n',
      '{"actor":"svc-orders","env":"staging","app":"shop"}\n',
    ]);

    const announced = await notifications(sqs, objectQueue.url);
    assert.deepEqual(
      announced.map((record) => decodeURIComponent(record.s3.object.key)).sort(),
      [...appKeys, vendorKey].sort(),
    );
    for (const record of announced) {
      assert.equal(record.eventName, 'ObjectCreated:Put');
      assert.equal(record.s3.bucket.name, BUCKET);
      const classified = classifyKey(decodeURIComponent(record.s3.object.key), SOURCES);
      assert.equal(classified.kind, 'record-object', 'the forwarder will read it as a record object');
    }
  });
});
