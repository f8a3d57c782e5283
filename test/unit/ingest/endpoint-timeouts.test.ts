import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  ANSWER_RESERVE_MS,
  API_GATEWAY_LIMIT_MS,
  ENDPOINT_TIMEOUT_SECONDS,
  endpointRequestTimeoutMs,
  SDK_ATTEMPTS,
  SDK_BACKOFF_MS,
  sendDeadline,
  SHORTEST_REQUEST_TIMEOUT_MS,
} from '../../../lambda/core/ingest/time-budget';
import type { QueueMessage } from '../../../lambda/core/ingest/queue-messages';
import { enqueueAll, sqsSender, type QueueSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { endpointClientConfig } from '../../../lambda/ingest-endpoint/request-timeouts';
import { httpEvent } from '../../integration/ingest/http-events';
import { quietLogger, quietMetrics } from './powertools';

const TOKEN = 'unit-token';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest';

describe('how long one AWS request of the ingest endpoint may go unanswered', () => {
  it("fits the SDK's attempts, its waits and the answer in every allowed function timeout", () => {
    for (let seconds = ENDPOINT_TIMEOUT_SECONDS.min; seconds <= ENDPOINT_TIMEOUT_SECONDS.max; seconds++) {
      const requestTimeout = endpointRequestTimeoutMs(seconds);
      const worst = SDK_ATTEMPTS * requestTimeout + SDK_BACKOFF_MS + ANSWER_RESERVE_MS;
      assert.ok(worst <= Math.min(seconds * 1000, API_GATEWAY_LIMIT_MS), `${seconds} s: ${worst} ms`);
      assert.ok(requestTimeout >= SHORTEST_REQUEST_TIMEOUT_MS, `${seconds} s: ${requestTimeout} ms`);
    }
  });

  it('is 4.4 s at the default 15 s, at most 5 s, and the default when the timeout is not known', () => {
    assert.equal(endpointRequestTimeoutMs(15), 4_466);
    assert.equal(endpointRequestTimeoutMs(5), 1_133);
    assert.equal(endpointRequestTimeoutMs(29), 5_000);
    assert.equal(endpointRequestTimeoutMs(undefined), 4_466);
    assert.equal(endpointRequestTimeoutMs(Number.NaN), 4_466);
  });

  it('is given to the SDK as an error, not the warning it gives by default', () => {
    assert.deepEqual(endpointClientConfig(15).requestHandler, {
      requestTimeout: 4_466,
      throwOnRequestTimeout: true,
      // An answer whose body stalls after its headers: requestTimeout has ended by then.
      socketTimeout: 4_466,
    });
  });

  it('stops sending 1 s before the function ends, and before API Gateway gives up', () => {
    assert.equal(sendDeadline(1_000, 15_000), 15_000);
    assert.equal(sendDeadline(1_000, 60_000), 1_000 + API_GATEWAY_LIMIT_MS - ANSWER_RESERVE_MS);
  });
});

function message(index: number): QueueMessage {
  return { body: `{"n":${index}}`, logType: 'app', eventIndexes: [index] };
}

/** A SendMessageBatch that never answers until its signal aborts it. */
function hungSender() {
  const signals: (AbortSignal | undefined)[] = [];
  const sender: QueueSender = {
    sendBatch: (_entries, signal) => {
      signals.push(signal);
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason)),
      );
    },
  };
  return { sender, signals };
}

/** Lets every promise that can settle without a timer settle. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('enqueueAll: the send deadline', () => {
  it('aborts the calls under way at the deadline and counts their events unsent', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { sender, signals } = hungSender();
    let result: Awaited<ReturnType<typeof enqueueAll>> | undefined;
    void enqueueAll([message(0), message(1)], sender, { maxBatchBytes: 10, deadline: 5_000 }).then(
      (value) => (result = value),
    );
    await settle();
    t.mock.timers.tick(4_999);
    await settle();
    assert.equal(result, undefined, 'still waiting for SQS before the deadline');
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual(result, {
      ok: false,
      eventsUnsent: 2,
      eventsBlocked: 0,
      queueFaults: [],
      refused: [],
      errors: [],
      deadlineReached: true,
    });
    assert.equal(signals.length, 2, 'no call starts after the deadline');
    assert.ok(signals.every((signal) => signal?.aborted));
  });

  it('stops waiting at the deadline even for a sender that ignores the signal', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const sender: QueueSender = { sendBatch: () => new Promise(() => {}) };
    let result: Awaited<ReturnType<typeof enqueueAll>> | undefined;
    void enqueueAll([message(0)], sender, { maxBatchBytes: 10, deadline: 1_000 }).then(
      (value) => (result = value),
    );
    await settle();
    t.mock.timers.tick(1_000);
    await settle();
    assert.equal(result?.deadlineReached, true);
    assert.equal(result?.eventsUnsent, 1);
  });
});

describe('ingest endpoint: a SendMessageBatch that never answers', () => {
  it('is aborted at the send deadline and answered 503 with Retry-After, before Lambda ends the function', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const requests: string[] = [];
    // The SDK's transport: takes the request and never answers, until the SDK aborts it.
    const requestHandler = {
      handle: (request: { path: string }, options?: { abortSignal?: AbortSignal }) => {
        requests.push(request.path);
        return new Promise<never>((_resolve, reject) =>
          options?.abortSignal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          ),
        );
      },
    };
    const client = new SQSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: requestHandler as never,
    });
    const handler = createEndpointHandler({
      config: {
        queueUrl: QUEUE_URL,
        tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf',
        defaultLogType: 'app',
        maxBodyBytes: 64 * 1024,
        maxMessageBytes: 4096,
        tokenCacheSeconds: 300,
        functionTimeoutSeconds: 15,
      },
      sender: sqsSender(client, QUEUE_URL),
      token: { current: async () => TOKEN, reread: async () => undefined },
      logger: quietLogger(),
      metrics: quietMetrics(),
    });
    const context = { getRemainingTimeInMillis: () => 15_000 } as Context;
    const answered: { result?: APIGatewayProxyStructuredResultV2 } = {};
    void handler(
      httpEvent({
        path: '/services/collector/event',
        headers: { authorization: `Splunk ${TOKEN}` },
        body: '{"event":{"a":1}}',
      }),
      context,
    ).then((value) => (answered.result = value));
    for (let turns = 0; requests.length === 0 && turns < 1000; turns++) await settle();
    assert.equal(requests.length, 1, 'the SDK sent the request');
    t.mock.timers.tick(13_999);
    await settle();
    assert.equal(answered.result, undefined, 'waiting for SQS until 1 s before the function ends');
    t.mock.timers.tick(1);
    for (let turns = 0; answered.result === undefined && turns < 1000; turns++) await settle();
    // Settled by the timer above, which the compiler cannot see.
    const result = answered.result as APIGatewayProxyStructuredResultV2 | undefined;
    assert.equal(result?.statusCode, 503);
    assert.deepEqual(JSON.parse(String(result?.body)), { text: 'Server is busy', code: 9 });
    assert.equal(result?.headers?.['retry-after'], '5');
  });
});
