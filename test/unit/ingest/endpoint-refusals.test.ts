import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sqsSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { httpEvent } from '../../integration/ingest/http-events';
import { quietLogger, quietMetrics } from './powertools';

const TOKEN = 'unit-token';

/**
 * A SendMessageBatch stand-in that answers in SQS's documented shape: an entry whose body holds
 * `poison` is refused as the sender's fault (`Failed[]` with `SenderFault: true`), one holding
 * `flaky` fails as SQS's own fault every time, every other entry is listed in `Successful[]`.
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

function endpoint(client: ReturnType<typeof fakeSqs>['client']) {
  return createEndpointHandler({
    config: {
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf',
      defaultLogType: 'app',
      maxBodyBytes: 64 * 1024,
      maxMessageBytes: 4096,
      tokenCacheSeconds: 300,
    },
    sender: sqsSender(client as never, 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest'),
    token: { current: async () => TOKEN, reread: async () => undefined },
    logger: quietLogger(),
    metrics: quietMetrics(),
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
