import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  FUNCTION_TIMEOUT_ENV,
  forwarderRequestHandlers,
  queueRequestTimeoutMs,
  s3IdleTimeoutMs,
} from '../../../lambda/forwarder/request-timeouts';
import { startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';

/**
 * The forwarder's S3 and SQS clients, built with its request handler settings, against endpoints
 * that stall: an object whose body stops after its first bytes, a queue that never answers. Each
 * must fail with the SDK's TimeoutError instead of waiting for the invocation's end. The ceilings
 * are generous (a timeout that does not fire fails the test at its own ceiling, never hangs it), and
 * only lower bounds are checked against the clock: timers never fire early.
 */
describe('forwarder SDK clients: stalled S3 and SQS endpoints, over HTTP', () => {
  const env = { [FUNCTION_TIMEOUT_ENV]: '30' };
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  let stalling: LoopbackServer;

  before(async () => {
    stalling = await startLoopbackServer((req, res) => {
      req.resume();
      // S3: headers and the first record, then nothing (a stream that stalls mid-body).
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': '1000' });
        res.write('{"id":"first"}\n');
      }
      // SQS (POST): never answered.
    }, 'stalling endpoint');
  });

  after(async () => {
    await stalling?.close();
  });

  it(
    'fails an object read whose stream goes quiet after the idle timeout',
    { timeout: 120_000 },
    async () => {
      const s3 = new S3Client({
        endpoint: stalling.url,
        region: 'us-east-1',
        credentials,
        forcePathStyle: true,
        maxAttempts: 1,
        requestHandler: forwarderRequestHandlers(env).s3,
      });
      try {
        const started = Date.now();
        const answer = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'sdm/a.json' }));
        await assert.rejects(
          answer.Body!.transformToString(),
          (error: Error) => error.name === 'TimeoutError' || /timed out/.test(error.message),
        );
        assert.ok(Date.now() - started >= s3IdleTimeoutMs(env) - 50);
      } finally {
        s3.destroy();
      }
    },
  );

  it(
    'fails an SQS request that is never answered after the queue request timeout',
    { timeout: 60_000 },
    async () => {
      const sqs = new SQSClient({
        endpoint: stalling.url,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
        requestHandler: forwarderRequestHandlers(env).sqs,
      });
      try {
        const started = Date.now();
        await assert.rejects(
          sqs.send(
            new SendMessageCommand({ QueueUrl: `${stalling.url}/123456789012/objects`, MessageBody: '{}' }),
          ),
          (error: Error) => error.name === 'TimeoutError',
        );
        assert.ok(Date.now() - started >= queueRequestTimeoutMs(env) - 50);
      } finally {
        sqs.destroy();
      }
    },
  );
});
