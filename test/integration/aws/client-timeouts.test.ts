import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsSession } from '../../../cli/aws/session';
import { awsSettings } from '../../../cli/aws/settings';
import {
  DYNAMODB_ATTEMPTS,
  FUNCTION_TIMEOUT_ENV,
  SDK_ATTEMPTS,
} from '../../../lambda/adapters/request-bounds';
import { collectorClients } from '../../../lambda/collector/clients';
import { collectorRequestTimeoutMs } from '../../../lambda/collector/request-timeouts';
import { detectionClients } from '../../../lambda/forwarder/detections';
import { reserveRequestTimeoutMs } from '../../../lambda/forwarder/request-timeouts';
import {
  batcherRequestHandler,
  batcherRequestTimeoutMs,
} from '../../../lambda/ingest-batcher/request-timeouts';
import { startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const isTimeout = (error: Error) => error.name === 'TimeoutError';

/**
 * Every kind of AWS SDK client sluice builds besides the forwarder's S3 and SQS and the ingest
 * endpoint's (their own tests), built as the function builds them, against an endpoint that reads
 * each request and never answers (S3 GETs: headers, a first line, then nothing). Each must fail
 * with the SDK's TimeoutError after all its attempts instead of waiting for the function's end (or
 * for ever). Ceilings are generous: a timeout that does not fire fails the test at its own ceiling.
 * Only lower bounds are checked against the clock: timers never fire early.
 */
describe('AWS SDK clients against an endpoint that never answers, over HTTP', () => {
  let silent: LoopbackServer;

  before(async () => {
    silent = await startLoopbackServer((req, res) => {
      req.resume();
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': '1000' });
        res.write('{"id":"first"}\n');
      }
    }, 'silent endpoint');
  });

  after(async () => {
    await silent?.close();
  });

  const lambdaEnv = (seconds: number): NodeJS.ProcessEnv => ({
    AWS_ENDPOINT_URL: silent.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    SLUICE_S3_FORCE_PATH_STYLE: 'true',
    [FUNCTION_TIMEOUT_ENV]: String(seconds),
  });

  async function failsAfter(attempts: number, eachMs: number, send: () => Promise<unknown>) {
    const started = Date.now();
    await assert.rejects(send(), isTimeout);
    assert.ok(Date.now() - started >= attempts * eachMs - 50, `${Date.now() - started} ms`);
  }

  it(
    "forwarder detections: a DynamoDB request fails after the client's 4 attempts",
    { timeout: 90_000 },
    async () => {
      const { dynamodb } = detectionClients(lambdaEnv(30));
      try {
        await failsAfter(DYNAMODB_ATTEMPTS, reserveRequestTimeoutMs(lambdaEnv(30), DYNAMODB_ATTEMPTS), () =>
          dynamodb.send(new GetItemCommand({ TableName: 'detections', Key: { pk: { S: 'a' } } })),
        );
      } finally {
        dynamodb.destroy();
      }
    },
  );

  it('forwarder detections: an SNS publish fails after its one attempt', { timeout: 60_000 }, async () => {
    const sns = detectionClients(lambdaEnv(30)).sns();
    try {
      await failsAfter(1, reserveRequestTimeoutMs(lambdaEnv(30), 1), () =>
        sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts', Message: 'x' })),
      );
    } finally {
      sns.destroy();
    }
  });

  it(
    'collector: an S3 write, a checkpoint read and a secret read each fail',
    { timeout: 120_000 },
    async () => {
      const clients = collectorClients(lambdaEnv(30), 30);
      try {
        await failsAfter(SDK_ATTEMPTS, collectorRequestTimeoutMs(30, SDK_ATTEMPTS), () =>
          clients.s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'c/a.ndjson', Body: '{"a":1}\n' })),
        );
        await failsAfter(DYNAMODB_ATTEMPTS, collectorRequestTimeoutMs(30, DYNAMODB_ATTEMPTS), () =>
          clients.dynamodb.send(new GetItemCommand({ TableName: 'checkpoints', Key: { pk: { S: 'c' } } })),
        );
        await failsAfter(SDK_ATTEMPTS, collectorRequestTimeoutMs(30, SDK_ATTEMPTS), () =>
          clients.secretsManager.send(new GetSecretValueCommand({ SecretId: 'api-token' })),
        );
      } finally {
        clients.s3.destroy();
        clients.dynamodb.destroy();
        clients.secretsManager.destroy();
      }
    },
  );

  it('ingest batcher: an object write fails after its request timeout', { timeout: 60_000 }, async () => {
    const env = { [FUNCTION_TIMEOUT_ENV]: '10' };
    const s3 = new S3Client({
      endpoint: silent.url,
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
      requestHandler: batcherRequestHandler(env),
    });
    try {
      await failsAfter(1, batcherRequestTimeoutMs(env), () =>
        s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'apps/a.ndjson', Body: '{"a":1}\n' })),
      );
    } finally {
      s3.destroy();
    }
  });

  it(
    "CLI: a session's SQS request and an S3 object stream that stall fail",
    { timeout: 60_000 },
    async () => {
      const session = new AwsSession({
        ...awsSettings({ AWS_REGION: 'us-east-1' }, { endpointUrl: silent.url }),
        credentials,
        requestTimeoutMs: 1_000,
      });
      try {
        const sqs = session.client('sqs', (config) => new SQSClient({ ...config, maxAttempts: 1 }));
        await failsAfter(1, 1_000, () =>
          sqs.send(new ReceiveMessageCommand({ QueueUrl: `${silent.url}/123456789012/objects` })),
        );
        const s3 = session.client(
          's3',
          (config) => new S3Client({ ...config, forcePathStyle: true, maxAttempts: 1 }),
        );
        const started = Date.now();
        const answer = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'a.json' }));
        await assert.rejects(
          answer.Body!.transformToString(),
          (error: Error) => isTimeout(error) || /timed out/.test(error.message),
        );
        assert.ok(Date.now() - started >= 1_000 - 50);
      } finally {
        session.destroy();
      }
    },
  );
});
