import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { endpointRequestTimeoutMs } from '../../../lambda/core/ingest/time-budget';
import { sqsSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { endpointClientConfig } from '../../../lambda/ingest-endpoint/request-timeouts';
import { startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';
import { quietLogger, quietMetrics } from '../../unit/ingest/powertools';
import { httpEvent } from './http-events';

const TOKEN = 'f3c1d9e4-ingest-token-7a2b';

/**
 * An SQS endpoint that reads every request and never answers (a black-holed connection), and the
 * endpoint's real SDK client settings in front of it. The ceilings are generous: a request timeout
 * that does not fire makes these tests fail at their own timeout instead of hanging the run.
 */
describe('ingest endpoint: SQS that never answers, over HTTP', () => {
  let silent: LoopbackServer;
  let requests = 0;

  before(async () => {
    silent = await startLoopbackServer((req) => {
      requests++;
      req.resume();
    }, 'silent sqs');
  });

  after(async () => {
    await silent?.close();
  });

  const client = (functionTimeoutSeconds: number, maxAttempts?: number) =>
    new SQSClient({
      ...endpointClientConfig(functionTimeoutSeconds),
      endpoint: silent.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
    });

  it(
    'fails a SendMessageBatch with TimeoutError once the request timeout passes',
    { timeout: 60_000 },
    async () => {
      const sqs = client(5, 1);
      try {
        const sender = sqsSender(sqs, `${silent.url}/123456789012/ingest`);
        const started = Date.now();
        await assert.rejects(
          sender.sendBatch([{ id: '0', message: { logType: 'app', body: '{"a":1}', eventIndexes: [0] } }]),
          (error: Error) => error.name === 'TimeoutError',
        );
        // Timers never fire early: a lower bound is safe on any machine.
        assert.ok(Date.now() - started >= endpointRequestTimeoutMs(5) - 50);
      } finally {
        sqs.destroy();
      }
    },
  );

  it(
    'answers 503 with Retry-After at the send deadline, 1 s before the function ends',
    { timeout: 60_000 },
    async () => {
      const sqs = client(5);
      try {
        const handler = createEndpointHandler({
          config: {
            queueUrl: `${silent.url}/123456789012/ingest`,
            tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf',
            defaultLogType: 'app',
            maxBodyBytes: 64 * 1024,
            maxMessageBytes: 4096,
            tokenCacheSeconds: 300,
            functionTimeoutSeconds: 5,
          },
          sender: sqsSender(sqs, `${silent.url}/123456789012/ingest`),
          token: { current: async () => TOKEN, reread: async () => undefined },
          logger: quietLogger(),
          metrics: quietMetrics(),
        });
        const before = requests;
        // Lambda's clock for a function with a 5 s timeout, at the start of the invocation.
        const end = Date.now() + 5_000;
        const context = { getRemainingTimeInMillis: () => end - Date.now() } as Context;
        const result = await handler(
          httpEvent({ path: '/v1/events', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"a":1}' }),
          context,
        );
        assert.equal(result.statusCode, 503);
        assert.deepEqual(JSON.parse(String(result.body)).code, 'UNAVAILABLE');
        assert.equal(result.headers?.['retry-after'], '5');
        assert.ok(requests > before, 'the request reached the silent endpoint');
      } finally {
        sqs.destroy();
      }
    },
  );
});
