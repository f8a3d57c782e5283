import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { createBatcherHandler } from '../../../lambda/ingest-batcher/handler';
import { sqsSender } from '../../../lambda/ingest-endpoint/enqueue';
import { createEndpointHandler, type EndpointHandler } from '../../../lambda/ingest-endpoint/handler';
import { secretTokenSource } from '../../../lambda/ingest-endpoint/token-source';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { quietLogger, quietMetrics } from '../../unit/ingest/powertools';
import {
  createNotifyingBucket,
  createQueue,
  listKeys,
  readObject,
  receiveAll,
  settle,
  toSqsEvent,
} from '../ingest/aws';
import { httpEvent } from '../ingest/http-events';

const TOKEN = 'bad-input-ingest-token';
const BUCKET = 'sluice-bad-input';

interface RequestCase {
  readonly name: string;
  readonly request: Parameters<typeof httpEvent>[0];
  readonly status: number;
  /** The answer's `code` (generic path) or `text` (HEC paths). */
  readonly answer: string;
  /** Event lines that must be in the ingest queue afterwards (the proof of what was accepted). */
  readonly queued: readonly string[];
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const splunk = { authorization: `Splunk ${TOKEN}` };

/**
 * Malformed requests to the HTTPS endpoint: the answer each one gets, and exactly what reached the
 * ingest queue (moto SQS). The generic path is all or nothing; HEC paths keep the events before a bad
 * one, as Splunk does.
 */
const REQUESTS: readonly RequestCase[] = [
  {
    name: 'an invalid JSON line (generic path)',
    request: { path: '/v1/events', headers: bearer, body: '{"n":1}\n{"oops": tru\n{"n":2}\n' },
    status: 400,
    answer: 'INVALID_JSON',
    queued: [],
  },
  {
    name: 'an invalid HEC envelope after two good ones',
    request: {
      path: '/services/collector/event',
      headers: splunk,
      body: '{"event":{"n":1}}{"event":{"n":2}}{"event": nope}{"event":{"n":3}}',
    },
    status: 400,
    answer: 'Invalid data format',
    queued: ['{"n":1}', '{"n":2}'],
  },
  {
    name: 'a HEC envelope without an event',
    request: {
      path: '/services/collector/event',
      headers: splunk,
      body: '{"event":{"n":1}}{"time":1706813404}',
    },
    status: 400,
    answer: 'Event field is required',
    queued: ['{"n":1}'],
  },
  {
    name: 'a JSON array of numbers',
    request: { path: '/v1/events', headers: bearer, body: '[1,2]' },
    status: 400,
    answer: 'NOT_AN_OBJECT',
    queued: [],
  },
  {
    name: 'an empty body',
    request: { path: '/v1/events', headers: bearer, body: '' },
    status: 400,
    answer: 'NO_DATA',
    queued: [],
  },
  {
    name: 'a body that is not gzip although it says so',
    request: {
      path: '/v1/events',
      headers: { ...bearer, 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip'),
    },
    status: 400,
    answer: 'INVALID_ENCODING',
    queued: [],
  },
  {
    name: 'a body that is not UTF-8',
    request: {
      path: '/v1/events',
      headers: bearer,
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    },
    status: 400,
    answer: 'INVALID_ENCODING',
    queued: [],
  },
  {
    name: 'a gzip bomb',
    request: {
      path: '/v1/events',
      headers: { ...bearer, 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(10_000_000, 0x20)),
    },
    status: 413,
    answer: 'BODY_TOO_LARGE',
    queued: [],
  },
  {
    name: 'an unsupported Content-Encoding',
    request: { path: '/v1/events', headers: { ...bearer, 'content-encoding': 'br' }, body: '{"n":1}' },
    status: 415,
    answer: 'UNSUPPORTED_ENCODING',
    queued: [],
  },
  {
    name: 'no token',
    request: { path: '/v1/events', headers: {}, body: '{"n":1}' },
    status: 401,
    answer: 'TOKEN_REQUIRED',
    queued: [],
  },
  {
    name: 'another authorization scheme',
    request: { path: '/v1/events', headers: { authorization: 'Basic dXNlcjpwYXNz' }, body: '{"n":1}' },
    status: 401,
    answer: 'INVALID_AUTHORIZATION',
    queued: [],
  },
  {
    name: 'a wrong token',
    request: { path: '/v1/events', headers: { authorization: 'Bearer guess' }, body: '{"n":1}' },
    status: 403,
    answer: 'INVALID_TOKEN',
    queued: [],
  },
  {
    name: 'a log type that would climb out of the layout',
    request: { path: '/v1/events', headers: bearer, body: '{"logType":"../etc"}' },
    status: 400,
    answer: 'LOG_TYPE_INVALID',
    queued: [],
  },
  {
    name: 'a log type not allowed',
    request: { path: '/v1/events', headers: bearer, body: '{"n":1}\n{"logType":"secret"}' },
    status: 400,
    answer: 'LOG_TYPE_NOT_ALLOWED',
    queued: [],
  },
  {
    name: 'an event larger than a queue message (HEC path)',
    request: {
      path: '/services/collector/event',
      headers: splunk,
      body: `{"event":{"n":1}}${JSON.stringify({ event: { big: 'y'.repeat(5000) } })}`,
    },
    status: 413,
    answer: 'Content too large',
    queued: ['{"n":1}'],
  },
  {
    name: 'an unknown path',
    request: { path: '/v2/events', headers: bearer, body: '{"n":1}' },
    status: 404,
    answer: 'NOT_FOUND',
    queued: [],
  },
  {
    name: 'a GET',
    request: { method: 'GET', path: '/v1/events', headers: bearer },
    status: 405,
    answer: 'METHOD_NOT_ALLOWED',
    queued: [],
  },
];

describe('bad input: ingest requests and ingest messages', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  let s3: S3Client;
  let endpoint: EndpointHandler;
  let ingestQueue: string;

  before(async () => {
    moto = await startMoto();
    sqs = new SQSClient(motoClientConfig(moto.endpoint));
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    const secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: 'sluice/ingest', SecretString: TOKEN }),
    );
    ingestQueue = (await createQueue(sqs, 'ingest')).url;
    endpoint = createEndpointHandler({
      config: {
        queueUrl: ingestQueue,
        tokenSecretArn: secret.ARN!,
        defaultLogType: 'app',
        allowedLogTypes: new Set(['app', 'audit']),
        maxBodyBytes: 64 * 1024,
        maxMessageBytes: 4096,
        tokenCacheSeconds: 300,
      },
      sender: sqsSender(sqs, ingestQueue),
      token: secretTokenSource(secrets, secret.ARN!, 300),
      logger: quietLogger(),
      metrics: quietMetrics(),
      sleep: async () => undefined,
    });
  });
  after(async () => {
    sqs.destroy();
    s3.destroy();
    await moto.stop();
  });

  /** Event lines now in the ingest queue; the queue is emptied. */
  async function takeQueued(): Promise<string[]> {
    const messages = await receiveAll(sqs, ingestQueue);
    for (const message of messages) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: ingestQueue, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    return messages.flatMap((message) => (message.Body ?? '').split('\n')).sort();
  }

  for (const request of REQUESTS) {
    it(`endpoint, ${request.name}: ${request.status} ${request.answer}; queued: ${request.queued.length === 0 ? 'nothing' : request.queued.join(' ')}`, async () => {
      const result = await endpoint(httpEvent(request.request));
      const body = JSON.parse(String(result.body)) as { code?: unknown; text?: unknown };
      assert.equal(result.statusCode, request.status);
      assert.equal(typeof body.code === 'string' ? body.code : body.text, request.answer);
      assert.deepEqual(await takeQueued(), [...request.queued].sort());
    });
  }

  it('batcher: messages that can never be written are quarantined with the reason; the batch’s other events are written', async () => {
    const objectQueue = await createQueue(sqs, 'objects');
    await createNotifyingBucket(s3, BUCKET, 'apps/logs', objectQueue.arn);
    const { url: batcherQueue, arn } = await createQueue(sqs, 'batcher-input');
    const bodies = [
      '{"logType":"app","n":1}',
      'not JSON at all',
      '[{"logType":"app","n":7},{"logType":"app","n":8}]', // a JSON array of events is valid input
      '[1,2]',
      '{"logType":"../../etc","n":2}',
      '{"n":3}\n{"logType":"app","n":4}', // one message, two events: the first has no log type
      '{"logType":"audit","n":5}\n{"logType":"app","n":6}',
    ];
    for (const body of bodies)
      await sqs.send(new SendMessageCommand({ QueueUrl: batcherQueue, MessageBody: body }));
    const batcher = createBatcherHandler({
      config: {
        bucketName: BUCKET,
        prefix: 'apps/logs',
        quarantinePrefix: 'sluice/quarantine',
        maxEntriesPerObject: 1000,
        maxBytesPerObject: 1024 * 1024,
        gzip: false,
      },
      s3,
      logger: quietLogger(),
      metrics: quietMetrics(),
    });
    const messages = await receiveAll(sqs, batcherQueue);
    const event = toSqsEvent(messages, arn);
    const response = await batcher(event);
    await settle(sqs, batcherQueue, event, response);

    assert.deepEqual(
      response.batchItemFailures,
      [],
      'nothing to retry: bad messages are parked, good ones written',
    );
    const written = await listKeys(s3, BUCKET, 'apps/logs/');
    const lines = (await Promise.all(written.map((objectKey) => readObject(s3, BUCKET, objectKey))))
      .flatMap((body) => body.toString('utf8').trim().split('\n'))
      .sort();
    assert.deepEqual(lines, [
      '{"logType":"app","n":1}',
      '{"logType":"app","n":6}',
      '{"logType":"app","n":7}',
      '{"logType":"app","n":8}',
      '{"logType":"audit","n":5}',
    ]);
    assert.deepEqual(written.map((objectKey) => objectKey.split('/')[2]).sort(), ['app', 'audit']);

    const [quarantineKey] = await listKeys(s3, BUCKET, 'sluice/quarantine/ingest/');
    const quarantined = (await readObject(s3, BUCKET, quarantineKey))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { code: string; body: string });
    assert.deepEqual(
      quarantined.map(({ code, body }) => [body, code]),
      [
        ['not JSON at all', 'INVALID_JSON'],
        ['[1,2]', 'NOT_AN_OBJECT'],
        ['{"logType":"../../etc","n":2}', 'LOG_TYPE_INVALID'],
        ['{"n":3}\n{"logType":"app","n":4}', 'LOG_TYPE_MISSING'],
      ],
      'each bad message whole, as received, with its reason',
    );
  });
});
