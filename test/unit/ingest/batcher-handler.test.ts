import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { readBatcherConfig, type BatcherConfig } from '../../../lambda/ingest-batcher/config';
import { createBatcherHandler } from '../../../lambda/ingest-batcher/handler';
import { quietLogger, quietMetrics } from './powertools';

function record(messageId: string, body: string, logType?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: logType ? { logType: { dataType: 'String', stringValue: logType } } : {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ingest',
    awsRegion: 'us-east-1',
  };
}

const config: BatcherConfig = {
  bucketName: 'logs',
  prefix: 'apps/logs',
  quarantinePrefix: 'sluice/quarantine',
  maxEntriesPerObject: 1000,
  maxBytesPerObject: 100 * 1024 * 1024,
  gzip: false,
};

/** An S3 stand-in that stores PutObject calls and fails the keys `fail` picks. */
function fakeS3(fail: (key: string) => boolean = () => false) {
  const objects = new Map<string, { body: Buffer; contentType?: string }>();
  const s3 = {
    send: async (command: PutObjectCommand) => {
      const { Key, Body, ContentType } = command.input;
      if (fail(Key ?? ''))
        throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
      objects.set(Key ?? '', { body: Buffer.from(Body as Buffer | string), contentType: ContentType });
      return {};
    },
  };
  return { s3: s3 as never, objects };
}

function handlerWith(s3: never, overrides: Partial<BatcherConfig> = {}) {
  let n = 0;
  return createBatcherHandler({
    config: { ...config, ...overrides },
    s3,
    logger: quietLogger(),
    metrics: quietMetrics(),
    now: () => new Date('2024-02-01T18:50:04Z'),
    newId: () => `u${++n}`,
  });
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('ingest batcher handler', () => {
  it('writes one NDJSON object per log type and reports no failures', async () => {
    const { s3, objects } = fakeS3();
    const result = await handlerWith(s3)(
      event(
        record('m1', '{"logType":"audit","n":1}\n{"n":2}', 'access'),
        record('m2', '{"logType":"audit","n":3}'),
      ),
    );
    assert.deepEqual(result, { batchItemFailures: [] });
    assert.deepEqual(
      [...objects.entries()].map(([key, object]) => [key, object.body.toString(), object.contentType]),
      [
        [
          'apps/logs/audit/2024/02/01/18/50/u1.json',
          '{"logType":"audit","n":1}\n{"logType":"audit","n":3}\n',
          'application/x-ndjson',
        ],
        ['apps/logs/access/2024/02/01/18/50/u2.json', '{"n":2}\n', 'application/x-ndjson'],
      ],
    );
  });

  it('reports exactly the messages with an event in an object that could not be written', async () => {
    const { s3, objects } = fakeS3((key) => key.includes('/access/'));
    const result = await handlerWith(s3)(
      event(
        record('m1', '{"logType":"audit"}\n{"logType":"access"}'),
        record('m2', '{"logType":"audit"}'),
        record('m3', '{"logType":"access"}'),
      ),
    );
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }] });
    assert.deepEqual([...objects.keys()], ['apps/logs/audit/2024/02/01/18/50/u1.json']);
  });

  it('quarantines a message that can never be written and counts it as done', async () => {
    const { s3, objects } = fakeS3();
    const result = await handlerWith(s3)(
      event(record('bad', 'GET /ping 200'), record('good', '{"logType":"audit"}')),
    );
    assert.deepEqual(result, { batchItemFailures: [] });
    const quarantine = objects.get('sluice/quarantine/ingest/2024/02/01/u2.json');
    assert.ok(quarantine, `quarantine object missing; got ${[...objects.keys()].join(', ')}`);
    assert.deepEqual(JSON.parse(quarantine.body.toString()), {
      quarantinedAt: '2024-02-01T18:50:04.000Z',
      stage: 'ingest-batcher',
      code: 'INVALID_JSON',
      reason: 'event 0 is not valid JSON',
      messageId: 'bad',
      body: 'GET /ping 200',
    });
  });

  it('retries quarantined messages when the quarantine write fails, rather than dropping them', async () => {
    const { s3 } = fakeS3((key) => key.startsWith('sluice/quarantine/'));
    const result = await handlerWith(s3)(
      event(record('bad', '{"logType":"../x"}'), record('good', '{"logType":"audit"}')),
    );
    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });

  it('gzips objects when configured, naming them .json.gz', async () => {
    const { s3, objects } = fakeS3();
    await handlerWith(s3, { gzip: true })(event(record('m1', '{"logType":"audit","n":1}')));
    const [[key, object]] = [...objects.entries()];
    assert.equal(key, 'apps/logs/audit/2024/02/01/18/50/u1.json.gz');
    assert.equal(object.contentType, 'application/gzip');
    assert.equal(gunzipSync(object.body).toString(), '{"logType":"audit","n":1}\n');
  });

  it('applies the enrichment defaults and the allowed set from its configuration', async () => {
    const { s3, objects } = fakeS3();
    const result = await handlerWith(s3, {
      enrichment: { source: 'orders-api', env: 'prod' },
      allowedLogTypes: new Set(['audit']),
    })(event(record('m1', '{"logType":"audit","env":"dev"}'), record('m2', '{"logType":"other"}')));
    assert.deepEqual(result, { batchItemFailures: [] });
    const audit = objects.get('apps/logs/audit/2024/02/01/18/50/u1.json');
    assert.equal(audit?.body.toString(), '{"logType":"audit","env":"dev","source":"orders-api"}\n');
    assert.equal(objects.size, 2, 'the audit object and the quarantine object for m2');
  });
});

describe('readBatcherConfig', () => {
  const env = { BUCKET_NAME: 'logs', INGEST_PREFIX: '/apps/logs/', QUARANTINE_PREFIX: 'sluice/quarantine' };

  it('applies the documented defaults', () => {
    assert.deepEqual(readBatcherConfig(env), {
      bucketName: 'logs',
      prefix: 'apps/logs',
      quarantinePrefix: 'sluice/quarantine',
      maxEntriesPerObject: 1000,
      maxBytesPerObject: 104_857_600,
      gzip: false,
      defaultLogType: undefined,
      allowedLogTypes: undefined,
      enrichment: undefined,
    });
  });

  it('reads limits, gzip, log types and enrichment', () => {
    const parsed = readBatcherConfig({
      ...env,
      MAX_ENTRIES_PER_OBJECT: '500',
      MAX_BYTES_PER_OBJECT: '1048576',
      GZIP: 'true',
      DEFAULT_LOG_TYPE: 'app',
      ALLOWED_LOG_TYPES: 'app,audit',
      ENRICH_APP: 'shop',
    });
    assert.deepEqual(
      [
        parsed.maxEntriesPerObject,
        parsed.maxBytesPerObject,
        parsed.gzip,
        parsed.defaultLogType,
        parsed.enrichment,
      ],
      [500, 1_048_576, true, 'app', { app: 'shop' }],
    );
    assert.deepEqual(parsed.allowedLogTypes, new Set(['app', 'audit']));
  });

  it('refuses a quarantine prefix that overlaps the ingest prefix (quarantined data would be forwarded)', () => {
    assert.throws(
      () => readBatcherConfig({ ...env, QUARANTINE_PREFIX: 'apps/logs/quarantine' }),
      (error: { code?: string }) => error.code === 'INGEST_CONFIG_INVALID',
    );
  });

  it('refuses prefixes with "." or ".." segments', () => {
    assert.throws(
      () => readBatcherConfig({ ...env, INGEST_PREFIX: 'apps/../logs' }),
      (error: { code?: string }) => error.code === 'INGEST_CONFIG_INVALID',
    );
  });

  it('refuses missing settings and out-of-range limits', () => {
    for (const bad of [
      { ...env, BUCKET_NAME: undefined },
      { ...env, MAX_ENTRIES_PER_OBJECT: '0' },
      { ...env, GZIP: 'yes' },
    ]) {
      assert.throws(
        () => readBatcherConfig(bad),
        (error: { code?: string }) => error.code === 'INGEST_CONFIG_INVALID',
      );
    }
  });
});
