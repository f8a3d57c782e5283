import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sqsSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { httpEvent } from '../../integration/ingest/http-events';
import { quietLogger, quietMetrics } from './powertools';

const TOKEN = 'unit-token';

/**
 * A SendMessageBatch stand-in that answers in SQS's documented shape: an entry whose body holds
 * `poison` is refused as the sender's fault (`Failed[]` with `SenderFault: true`), one holding
 * `keyless` too but for the queue's disabled KMS key, one holding `flaky` fails as SQS's own fault
 * every time, every other entry is listed in `Successful[]`.
 */
function fakeSqs() {
  const queued: string[] = [];
  const client = {
    send: async (command: SendMessageBatchCommand) => {
      const Successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
      const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of command.input.Entries ?? []) {
        const body = entry.MessageBody ?? '';
        if (body.includes('poison')) {
          Failed.push({
            Id: entry.Id!,
            SenderFault: true,
            Code: 'InvalidMessageContents',
            Message: 'Invalid characters found.',
          });
        } else if (body.includes('keyless')) {
          Failed.push({
            Id: entry.Id!,
            SenderFault: true,
            Code: 'KMS.DisabledException',
            Message: 'The request was rejected because the specified CMK is not enabled.',
          });
        } else if (body.includes('flaky')) {
          Failed.push({ Id: entry.Id!, SenderFault: false, Code: 'InternalError', Message: 'try again' });
        } else {
          queued.push(...body.split('\n'));
          Successful.push({ Id: entry.Id!, MessageId: `m-${queued.length}`, MD5OfMessageBody: 'x' });
        }
      }
      return { Successful, Failed };
    },
  };
  return { client, queued };
}

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest';

function endpoint(
  client: ReturnType<typeof fakeSqs>['client'],
  logger: Logger = quietLogger(),
  metrics: Metrics = quietMetrics(),
) {
  return createEndpointHandler({
    config: {
      queueUrl: QUEUE_URL,
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf',
      defaultLogType: 'app',
      maxBodyBytes: 64 * 1024,
      maxMessageBytes: 4096,
      tokenCacheSeconds: 300,
    },
    sender: sqsSender(client as never, QUEUE_URL),
    token: { current: async () => TOKEN, reread: async () => undefined },
    logger,
    metrics,
    sleep: async () => {},
  });
}

const answer = (result: APIGatewayProxyStructuredResultV2) => [
  result.statusCode,
  JSON.parse(String(result.body)),
];
const ndjson = ['{"n":0}', '{"n":1}', '{"n":2,"x":"poison"}', '{"n":3}'].join('\n');

describe('ingest endpoint: entries SQS refuses as the sender fault', () => {
  it('answers 400 naming the refused event, and queues every other event exactly once', async () => {
    const { client, queued } = fakeSqs();
    const result = await endpoint(client)(
      httpEvent({ path: '/v1/events', headers: { authorization: `Bearer ${TOKEN}` }, body: ndjson }),
    );
    assert.deepEqual(answer(result), [
      400,
      {
        ok: false,
        code: 'EVENT_REFUSED_BY_QUEUE',
        message:
          'the ingest queue refused event 2 (InvalidMessageContents) as sent, for good; the other 3 events were accepted. Do not retry this request as is',
        eventIndex: 2,
        refusedEvents: [2],
        accepted: 3,
      },
    ]);
    assert.deepEqual(queued.sort(), ['{"n":0}', '{"n":1}', '{"n":3}']);
  });

  it("answers a HEC client the way Splunk names a bad event ('invalid-event-number')", async () => {
    const { client, queued } = fakeSqs();
    const body = ['{"event":{"n":0}}', '{"event":{"n":1,"x":"poison"}}', '{"event":{"n":2}}'].join('');
    const result = await endpoint(client)(
      httpEvent({ path: '/services/collector/event', headers: { authorization: `Splunk ${TOKEN}` }, body }),
    );
    assert.deepEqual(answer(result), [
      400,
      { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 },
    ]);
    assert.deepEqual(queued.sort(), ['{"n":0}', '{"n":2}']);
  });

  it('still answers 503 when another event failed for a reason that may pass (a retry must not lose it)', async () => {
    const { client, queued } = fakeSqs();
    const body = '{"logType":"a","x":"poison"}\n{"logType":"b","x":"flaky"}\n{"logType":"c"}';
    const result = await endpoint(client)(
      httpEvent({ path: '/v1/events', headers: { authorization: `Bearer ${TOKEN}` }, body }),
    );
    assert.equal(result.statusCode, 503);
    assert.deepEqual(queued, ['{"logType":"c"}']);
  });
});

describe("ingest endpoint: sender faults that are not about the events (the queue's key, policy, rate)", () => {
  it('answers 503 with Retry-After, never 400, counts the events held back and logs the code with the queue', async (t) => {
    const { client, queued } = fakeSqs();
    const logger = quietLogger();
    const metrics = quietMetrics();
    const logged = t.mock.method(logger, 'error');
    const counted = t.mock.method(metrics, 'addMetric');
    const body = ['{"event":{"n":0}}', '{"event":{"n":1,"x":"keyless"}}', '{"event":{"n":2}}'].join('');
    const result = await endpoint(
      client,
      logger,
      metrics,
    )(httpEvent({ path: '/services/collector/event', headers: { authorization: `Splunk ${TOKEN}` }, body }));
    assert.deepEqual(
      [result.statusCode, result.headers?.['retry-after'], JSON.parse(String(result.body))],
      [503, '5', { text: 'Server is busy', code: 9 }],
    );
    // The three events share one message, held back whole: not split, since no event is at fault.
    assert.deepEqual(queued, []);
    assert.deepEqual(
      counted.mock.calls
        .map((call) => call.arguments.slice(0, 3))
        .filter(([name]) => name !== 'IngestRequests503'),
      [['IngestEventsBlockedByQueue', 'Count', 3]],
    );
    assert.equal(logged.mock.callCount(), 1);
    const [message, details] = logged.mock.calls[0].arguments as unknown as [string, Record<string, unknown>];
    assert.equal(message, 'request answered');
    assert.deepEqual(
      [details.queueUrl, details.queueFaults, details.eventsBlocked, details.eventsRefused],
      [QUEUE_URL, ['KMS.DisabledException'], 3, 0],
    );
    assert.match(String(details.reason), /not their content/);
  });

  it('answers 503 rather than 400 when one event is refused for its content and another for the key', async () => {
    const { client, queued } = fakeSqs();
    const body = '{"logType":"a","x":"poison"}\n{"logType":"b","x":"keyless"}\n{"logType":"c"}';
    const result = await endpoint(client)(
      httpEvent({ path: '/v1/events', headers: { authorization: `Bearer ${TOKEN}` }, body }),
    );
    assert.deepEqual([result.statusCode, JSON.parse(String(result.body)).code], [503, 'UNAVAILABLE']);
    assert.deepEqual(queued, ['{"logType":"c"}']);
  });
});

describe('ingest endpoint: gzip bodies and how API Gateway passed them', () => {
  const gzipped = gzipSync('{"n":1}\n');

  it('inflates a gzip body passed base64-encoded (isBase64Encoded: true)', async () => {
    const { client, queued } = fakeSqs();
    const result = await endpoint(client)(
      httpEvent({
        path: '/v1/events',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-encoding': 'gzip',
          'content-type': 'application/x-ndjson',
        },
        body: gzipped,
      }),
    );
    assert.equal(result.statusCode, 200);
    assert.deepEqual(queued, ['{"n":1}']);
  });

  it('refuses with 415 COMPRESSED_BODY_AS_TEXT a gzip body passed as text (isBase64Encoded: false)', async () => {
    const { client, queued } = fakeSqs();
    // What a gzip body becomes when decoded as UTF-8 text: invalid bytes turn into U+FFFD.
    const asText = gzipped.toString('utf8');
    const send = (path: string, authorization: string) =>
      endpoint(client)(
        httpEvent({
          path,
          headers: { authorization, 'content-encoding': 'gzip', 'content-type': 'application/json' },
          body: asText,
          base64: false,
        }),
      );
    const [status, body] = answer(await send('/v1/events', `Bearer ${TOKEN}`));
    assert.deepEqual([status, body.code], [415, 'COMPRESSED_BODY_AS_TEXT']);
    assert.match(body.message, /send the body uncompressed/);
    assert.deepEqual(answer(await send('/services/collector/event', `Splunk ${TOKEN}`)), [
      415,
      { text: 'Unsupported content encoding', code: 6 },
    ]);
    assert.deepEqual(queued, []);
  });
});
