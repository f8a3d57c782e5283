import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DeleteMessageCommand, SQSClient, type SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { EndpointConfig } from '../../../lambda/ingest-endpoint/config';
import { sqsSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler, type EndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { secretTokenSource } from '../../../lambda/ingest-endpoint/token-source';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startSqsEntryFaultProxy } from '../../support/receivers/sqs-entry-fault-proxy';
import { quietLogger, quietMetrics } from '../../unit/ingest/powertools';
import { createQueue, receiveAll } from './aws';
import { httpEvent } from './http-events';

/** The token lives in a real (moto) Secrets Manager secret; the handler reads it by ARN. */
const TOKEN = 'f3c1d9e4-ingest-token-7a2b';

describe('ingest endpoint handler: HTTP answers, with events queued in moto SQS', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  let secrets: SecretsManagerClient;
  let queueUrl: string;
  let secretArn: string;

  function endpoint(
    overrides: Partial<EndpointConfig> = {},
    client: Pick<SQSClient, 'send'> = sqs,
    metrics: Metrics = quietMetrics(),
  ): EndpointHandler {
    const config: EndpointConfig = {
      queueUrl,
      tokenSecretArn: secretArn,
      defaultLogType: 'app',
      allowedLogTypes: new Set(['app', 'audit', 'access']),
      maxBodyBytes: 64 * 1024,
      maxMessageBytes: 4096,
      tokenCacheSeconds: 300,
      ...overrides,
    };
    return createEndpointHandler({
      config,
      sender: sqsSender(client, config.queueUrl),
      token: secretTokenSource(secrets, config.tokenSecretArn, config.tokenCacheSeconds),
      logger: quietLogger(),
      metrics,
      sleep: async () => {},
    });
  }

  const hec = { authorization: `Splunk ${TOKEN}` };
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const json = (result: APIGatewayProxyStructuredResultV2) => [
    result.statusCode,
    JSON.parse(String(result.body)),
  ];

  /** Every event now in the queue as [logType attribute, NDJSON line]; the queue is emptied. */
  async function queued(): Promise<[string | undefined, string][]> {
    const messages = await receiveAll(sqs, queueUrl);
    for (const message of messages) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    return messages
      .flatMap((message) =>
        (message.Body ?? '')
          .split('\n')
          .map((line): [string | undefined, string] => [
            message.MessageAttributes?.logType?.StringValue,
            line,
          ]),
      )
      .sort((a, b) => a[1].localeCompare(b[1]));
  }

  before(async () => {
    moto = await startMoto();
    sqs = new SQSClient(motoClientConfig(moto.endpoint));
    secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
    queueUrl = (await createQueue(sqs, 'ingest')).url;
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: 'sluice/ingest-token', SecretString: TOKEN }),
    );
    secretArn = secret.ARN!;
  });

  beforeEach(async () => {
    await queued();
  });

  after(async () => {
    sqs?.destroy();
    secrets?.destroy();
    await moto?.stop();
  });

  describe('accepted requests (200 once every event is in the queue)', () => {
    it('NDJSON on the generic path, each event routed by its logType or the default', async () => {
      const body = '{"logType":"audit","actor":"alice"}\n{"msg":"hello", "n": 1.50}\n';
      assert.deepEqual(json(await endpoint()(httpEvent({ path: '/v1/events', headers: bearer, body }))), [
        200,
        { ok: true, code: 'OK', message: '2 events accepted', accepted: 2 },
      ]);
      assert.deepEqual(await queued(), [
        ['audit', '{"logType":"audit","actor":"alice"}'],
        ['app', '{"msg":"hello", "n": 1.50}'],
      ]);
    });

    it("a JSON array as seed 000's generic shipper sends it", async () => {
      const body = JSON.stringify([
        { timestamp: '2025-09-09T13:30:00-0000', status: 200, source: 'stellarbridge-access' },
      ]);
      const result = await endpoint()(httpEvent({ path: '/v1/events', headers: bearer, body }));
      assert.equal(result.statusCode, 200);
      assert.deepEqual(await queued(), [
        ['app', '{"timestamp":"2025-09-09T13:30:00-0000","status":200,"source":"stellarbridge-access"}'],
      ]);
    });

    it('HEC envelopes, answering like Splunk; the event value is what gets queued', async () => {
      const body =
        '{"time":1706813404.78,"sourcetype":"_json","event":{"logType":"access","path":"/api/ping"}}' +
        '{"event":"a plain log line"}';
      for (const path of ['/services/collector/event', '/services/collector']) {
        assert.deepEqual(json(await endpoint()(httpEvent({ path, headers: hec, body }))), [
          200,
          { text: 'Success', code: 0 },
        ]);
      }
      const events = await queued();
      assert.deepEqual(events, [
        ['access', '{"logType":"access","path":"/api/ping"}'],
        ['access', '{"logType":"access","path":"/api/ping"}'],
        ['app', '{"message":"a plain log line"}'],
        ['app', '{"message":"a plain log line"}'],
      ]);
    });

    it("NDJSON on HEC's raw path, gzip-compressed, with a Bearer token (seed 000 in splunk mode sends Bearer)", async () => {
      const body = gzipSync('{"logType":"audit","a":1}\n{"logType":"audit","a":2}\n');
      const result = await endpoint()(
        httpEvent({
          path: '/services/collector/raw',
          headers: { ...bearer, 'content-encoding': 'gzip' },
          body,
        }),
      );
      assert.deepEqual(json(result), [200, { text: 'Success', code: 0 }]);
      assert.deepEqual(await queued(), [
        ['audit', '{"logType":"audit","a":1}'],
        ['audit', '{"logType":"audit","a":2}'],
      ]);
    });

    it('packs many events into few messages, none above the message size limit', async () => {
      const lines = Array.from({ length: 200 }, (_, n) => JSON.stringify({ n, pad: 'x'.repeat(100) }));
      const result = await endpoint()(
        httpEvent({ path: '/v1/events', headers: bearer, body: lines.join('\n') }),
      );
      assert.equal(result.statusCode, 200);
      const messages = await receiveAll(sqs, queueUrl);
      assert.ok(messages.length >= 6 && messages.length < 20, `${messages.length} messages`);
      for (const message of messages) assert.ok(Buffer.byteLength(message.Body ?? '') <= 4096);
      assert.deepEqual(
        messages.flatMap((message) => (message.Body ?? '').split('\n')).sort(),
        [...lines].sort(),
      );
    });

    it('answers health checks without a token (Vector runs one at startup)', async () => {
      const result = await endpoint()(httpEvent({ method: 'GET', path: '/services/collector/health/1.0' }));
      assert.deepEqual(json(result), [200, { text: 'HEC is healthy', code: 17 }]);
    });
  });

  describe('authentication (401 / 403), checked before the body is read', () => {
    const body = '{"a":1}';

    it('401 Token is required when there is no Authorization header', async () => {
      assert.deepEqual(json(await endpoint()(httpEvent({ path: '/services/collector/event', body }))), [
        401,
        { text: 'Token is required', code: 2 },
      ]);
      const plain = json(await endpoint()(httpEvent({ path: '/v1/events', body })));
      assert.deepEqual([plain[0], plain[1].code], [401, 'TOKEN_REQUIRED']);
    });

    it('401 Invalid authorization for a header that is neither Bearer nor Splunk', async () => {
      const headers = { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` };
      assert.deepEqual(
        json(await endpoint()(httpEvent({ path: '/services/collector/event', headers, body }))),
        [401, { text: 'Invalid authorization', code: 3 }],
      );
    });

    it('403 Invalid token for a wrong token, and nothing is queued', async () => {
      const headers = { authorization: 'Splunk not-the-token' };
      assert.deepEqual(
        json(
          await endpoint()(
            httpEvent({ path: '/services/collector/event', headers, body: '{"event":{"a":1}}' }),
          ),
        ),
        [403, { text: 'Invalid token', code: 4 }],
      );
      const plain = json(
        await endpoint()(httpEvent({ path: '/v1/events', headers: { authorization: 'Bearer nope' }, body })),
      );
      assert.deepEqual([plain[0], plain[1].code], [403, 'INVALID_TOKEN']);
      assert.deepEqual(await queued(), []);
    });

    it('a rotated token works at once: the secret is re-read for a token other than the cached one', async () => {
      const { ARN } = await secrets.send(
        new CreateSecretCommand({ Name: 'sluice/ingest-token-rotated', SecretString: 'token-before' }),
      );
      let clock = 0;
      let reads = 0;
      const counting: Pick<SecretsManagerClient, 'send'> = {
        send: ((command: never) => {
          reads++;
          return secrets.send(command);
        }) as SecretsManagerClient['send'],
      };
      const handler = createEndpointHandler({
        config: {
          queueUrl,
          tokenSecretArn: ARN!,
          defaultLogType: 'app',
          maxBodyBytes: 64 * 1024,
          maxMessageBytes: 4096,
          tokenCacheSeconds: 300,
        },
        sender: sqsSender(sqs, queueUrl),
        token: secretTokenSource(counting, ARN!, 300, () => clock),
        logger: quietLogger(),
        metrics: quietMetrics(),
        sleep: async () => {},
      });
      const post = async (token: string) =>
        (
          await handler(
            httpEvent({ path: '/v1/events', headers: { authorization: `Bearer ${token}` }, body: '{"n":1}' }),
          )
        ).statusCode;

      assert.equal(await post('token-before'), 200);
      await secrets.send(new PutSecretValueCommand({ SecretId: ARN!, SecretString: 'token-after' }));
      clock = 60_000; // well inside the 5-minute cache
      assert.equal(await post('token-after'), 200, 'the new token, before the cache expires');
      assert.equal(reads, 2);
      // This execution environment now holds the new token: the old one is refused here.
      assert.equal(await post('token-before'), 403);
      // Wrong tokens within 10 s of the last read are refused from the cache, without a read.
      for (let i = 0; i < 20; i++) assert.equal(await post(`guess-${i}`), 403);
      assert.equal(reads, 2);
      clock = 70_000;
      assert.equal(await post('guess-again'), 403);
      assert.equal(reads, 3, 'one read per 10 s at most');
      assert.equal((await queued()).length, 2);
    });

    it('answers an unauthenticated request 401/403 even when its body is bad', async () => {
      const body = 'not json';
      assert.equal((await endpoint()(httpEvent({ path: '/v1/events', body }))).statusCode, 401);
      const headers = { authorization: 'Bearer wrong' };
      assert.equal((await endpoint()(httpEvent({ path: '/v1/events', headers, body }))).statusCode, 403);
    });
  });

  describe('bad requests', () => {
    it('400 on the generic path names the first bad event and queues nothing', async () => {
      const body = '{"a":1}\n{"b":2}\n{"c":\n';
      assert.deepEqual(json(await endpoint()(httpEvent({ path: '/v1/events', headers: bearer, body }))), [
        400,
        {
          ok: false,
          code: 'INVALID_JSON',
          message: 'event 2 is not valid JSON; nothing was accepted',
          eventIndex: 2,
        },
      ]);
      assert.deepEqual(await queued(), []);
    });

    it('400 on the HEC path keeps the events before the bad one, as Splunk does', async () => {
      const body = '{"event":{"n":0}}\n{"event":{"n":1}}\n{"time":5}\n{"event":{"n":3}}';
      assert.deepEqual(
        json(await endpoint()(httpEvent({ path: '/services/collector/event', headers: hec, body }))),
        [400, { text: 'Event field is required', code: 12, 'invalid-event-number': 2 }],
      );
      assert.deepEqual(await queued(), [
        ['app', '{"n":0}'],
        ['app', '{"n":1}'],
      ]);
    });

    it('400 Invalid data format for HEC envelopes that are not JSON', async () => {
      const body = '{"event":{"n":0}}\nthis is not json';
      assert.deepEqual(
        json(await endpoint()(httpEvent({ path: '/services/collector/event', headers: hec, body }))),
        [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 }],
      );
    });

    it('400 for a log type that is invalid or not allowed', async () => {
      const invalid = json(
        await endpoint()(httpEvent({ path: '/v1/events', headers: bearer, body: '{"logType":"../../etc"}' })),
      );
      assert.deepEqual([invalid[0], invalid[1].code, invalid[1].eventIndex], [400, 'LOG_TYPE_INVALID', 0]);
      const unknown = json(
        await endpoint()(
          httpEvent({ path: '/v1/events', headers: bearer, body: '{"a":1}\n{"logType":"billing"}' }),
        ),
      );
      assert.deepEqual(
        [unknown[0], unknown[1].code, unknown[1].eventIndex],
        [400, 'LOG_TYPE_NOT_ALLOWED', 1],
      );
      assert.deepEqual(await queued(), []);
    });

    it('400 for events without a log type when the endpoint has no default', async () => {
      const result = json(
        await endpoint({ defaultLogType: undefined })(
          httpEvent({ path: '/v1/events', headers: bearer, body: '{"a":1}' }),
        ),
      );
      assert.deepEqual([result[0], result[1].code], [400, 'LOG_TYPE_MISSING']);
    });

    it('400 No data for an empty body', async () => {
      assert.deepEqual(
        json(await endpoint()(httpEvent({ path: '/services/collector/event', headers: hec, body: '\n' }))),
        [400, { text: 'No data', code: 5 }],
      );
    });

    it('400 for a body that is not UTF-8', async () => {
      const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
      const result = json(await endpoint()(httpEvent({ path: '/v1/events', headers: bearer, body })));
      assert.deepEqual([result[0], result[1].code], [400, 'INVALID_ENCODING']);
    });

    it('413 for a body above the limit, also when it only grows that large once decompressed', async () => {
      const big = `{"p":"${'x'.repeat(70 * 1024)}"}`;
      const direct = json(await endpoint()(httpEvent({ path: '/v1/events', headers: bearer, body: big })));
      assert.deepEqual([direct[0], direct[1].code], [413, 'BODY_TOO_LARGE']);
      const gzipped = await endpoint()(
        httpEvent({
          path: '/services/collector/raw',
          headers: { ...hec, 'content-encoding': 'gzip' },
          body: gzipSync(big),
        }),
      );
      assert.deepEqual(json(gzipped), [413, { text: 'Content too large', code: 6 }]);
    });

    it('413 for one event too large for a queue message, naming it', async () => {
      const body = `{"event":{"ok":1}}\n{"event":{"p":"${'x'.repeat(5000)}"}}`;
      assert.deepEqual(
        json(await endpoint()(httpEvent({ path: '/services/collector/event', headers: hec, body }))),
        [413, { text: 'Content too large', code: 6, 'invalid-event-number': 1 }],
      );
      assert.deepEqual(await queued(), [['app', '{"ok":1}']]);
    });

    it('400 naming the event SQS refuses as the sender fault, with every other event queued', async () => {
      // moto models one per-entry sender fault: a DelaySeconds out of range. This client sets one on
      // the entry carrying the marked event, so the refusal and its answer shape are moto's own.
      const refusing = {
        send: (command: SendMessageBatchCommand) => {
          for (const entry of command.input.Entries ?? []) {
            if (entry.MessageBody?.includes('"refuse":true')) entry.DelaySeconds = 1800;
          }
          return sqs.send(command);
        },
      } as unknown as Pick<SQSClient, 'send'>;
      const body = '{"a":1}\n{"a":2,"refuse":true}\n{"a":3}';
      const [status, answer] = json(
        await endpoint({}, refusing)(httpEvent({ path: '/v1/events', headers: bearer, body })),
      );
      assert.deepEqual(
        [status, answer.code, answer.eventIndex, answer.refusedEvents, answer.accepted],
        [400, 'EVENT_REFUSED_BY_QUEUE', 1, [1], 2],
      );
      assert.match(answer.message, /event 1 \(InvalidParameterValue\)/);
      assert.deepEqual(await queued(), [
        ['app', '{"a":1}'],
        ['app', '{"a":3}'],
      ]);
    });

    it('415 for a content encoding other than gzip', async () => {
      const result = await endpoint()(
        httpEvent({ path: '/v1/events', headers: { ...bearer, 'content-encoding': 'br' }, body: '{}' }),
      );
      assert.deepEqual(
        [result.statusCode, JSON.parse(String(result.body)).code],
        [415, 'UNSUPPORTED_ENCODING'],
      );
    });

    it('404 for an unknown path and 405 for a wrong method', async () => {
      const missing = await endpoint()(httpEvent({ path: '/admin', headers: bearer, body: '{}' }));
      assert.equal(missing.statusCode, 404);
      const wrongMethod = await endpoint()(httpEvent({ method: 'GET', path: '/v1/events', headers: bearer }));
      assert.deepEqual([wrongMethod.statusCode, wrongMethod.headers?.allow], [405, 'POST']);
    });
  });

  describe('503 when the events cannot be durably queued (the producer retries; 429 comes from API Gateway throttling)', () => {
    it('503 Server is busy with Retry-After when SQS refuses the messages, counted as the queue blocking them', async (t) => {
      const metrics = quietMetrics();
      const counted = t.mock.method(metrics, 'addMetric');
      const result = await endpoint(
        { queueUrl: `${queueUrl}-gone` },
        sqs,
        metrics,
      )(httpEvent({ path: '/services/collector/event', headers: hec, body: '{"event":{"a":1}}' }));
      assert.deepEqual(json(result), [503, { text: 'Server is busy', code: 9 }]);
      assert.equal(result.headers?.['retry-after'], '5');
      // moto's own QueueDoesNotExist, which the SDK marks as the caller's fault.
      assert.deepEqual(
        counted.mock.calls.map((call) => call.arguments[0]),
        ['IngestEventsBlockedByQueue', 'IngestRequests503'],
      );
    });

    it("503, not 400, when SQS refuses an entry for the queue's disabled KMS key; the retry is taken once it is enabled", async () => {
      const proxy = await startSqsEntryFaultProxy(moto.endpoint, {
        marker: '"to":"keyless"',
        code: 'KMS.DisabledException',
        message: 'The request was rejected because the specified CMK is not enabled. (Service: AWSKMS)',
      });
      const viaProxy = new SQSClient(motoClientConfig(proxy.url));
      try {
        const request = () =>
          endpoint(
            {},
            viaProxy,
          )(
            httpEvent({
              path: '/v1/events',
              headers: bearer,
              body: '{"logType":"audit","a":1}\n{"logType":"access","to":"keyless"}\n{"a":3}',
            }),
          );
        const refused = await request();
        assert.deepEqual(
          [refused.statusCode, refused.headers?.['retry-after'], JSON.parse(String(refused.body)).code],
          [503, '5', 'UNAVAILABLE'],
        );
        // SQS took the other messages: the producer's retry sends them again (at least once).
        assert.deepEqual(await queued(), [
          ['app', '{"a":3}'],
          ['audit', '{"logType":"audit","a":1}'],
        ]);
        proxy.fault = undefined;
        assert.equal((await request()).statusCode, 200);
        assert.deepEqual(await queued(), [
          ['app', '{"a":3}'],
          ['access', '{"logType":"access","to":"keyless"}'],
          ['audit', '{"logType":"audit","a":1}'],
        ]);
      } finally {
        viaProxy.destroy();
        await proxy.close();
      }
    });

    it('503 when the token cannot be read, rather than letting anyone in', async () => {
      const result = await endpoint({ tokenSecretArn: `${secretArn}-gone` })(
        httpEvent({ path: '/v1/events', headers: bearer, body: '{"a":1}' }),
      );
      assert.deepEqual([result.statusCode, JSON.parse(String(result.body)).code], [503, 'UNAVAILABLE']);
      assert.deepEqual(await queued(), []);
    });
  });
});
