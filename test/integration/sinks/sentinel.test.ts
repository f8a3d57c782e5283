import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { BUCKET, startPipeline, type Pipeline } from '../../support/pipeline';
import {
  azureClock,
  startEntraTokenReceiver,
  startLogsIngestionReceiver,
  type EntraTokenReceiver,
  type LogsIngestionReceiver,
} from '../../support/receivers';

const SOURCE = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const CLIENT_SECRET = 'Xy8Q~sentinel-client-secret.value';
const DCR = 'dcr-00112233445566778899aabbccddeeff';
const STREAMS = ['Custom-strongdm_activities', 'Custom-strongdm_queries'];

function activity(index: number, extra: Record<string, unknown> = {}) {
  return {
    formatVersion: 'v1.0.0',
    id: `at-${String(index).padStart(6, '0')}`,
    logType: 'activities',
    activity: 'user logged into the Admin UI',
    actorEmail: 'alice.glick@example.com',
    description: 'Alice (ü) logged into the Admin UI.',
    timestamp: `2024-02-01T18:50:${String(index % 60).padStart(2, '0')}.782960647Z`,
    ...extra,
  };
}

function query(index: number) {
  return {
    formatVersion: 'v1.0.0',
    logType: 'queries',
    query: 'select name from users',
    resourceName: 'MySQL',
    timestamp: '2024-02-01T13:13:20.895597162Z',
    uuid: `Q${String(index).padStart(6, '0')}`,
  };
}

const ndjson = (records: object[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';
const pretty = (records: object[]) =>
  records.map((record) => JSON.stringify(record, null, 4)).join('\n') + '\n';
const key = (logType: string, name: string) => `sdm/logs/${logType}/2024/02/01/18/50/${name}`;
const idOf = (row: Record<string, unknown>) => String(row.id ?? row.uuid);
const withoutTime = ({ TimeGenerated: _time, ...row }: Record<string, unknown>) => row;

describe('the forwarder on moto, delivering to Microsoft Sentinel (local Entra ID and Logs Ingestion API)', () => {
  let pipeline: Pipeline;
  let entra: EntraTokenReceiver;
  let ingestion: LogsIngestionReceiver;
  let clientSecretArn: string;
  const clock = azureClock();

  before(async () => {
    pipeline = await startPipeline();
    entra = await startEntraTokenReceiver({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: CLIENT_SECRET,
      clock,
    });
    ingestion = await startLogsIngestionReceiver({
      dcrImmutableId: DCR,
      streams: STREAMS,
      tokens: entra.verifier,
      publishers: [CLIENT],
    });
    const created = await pipeline.secrets.send(
      new CreateSecretCommand({ Name: 'sluice/sentinel', SecretString: CLIENT_SECRET }),
    );
    clientSecretArn = created.ARN!;
  });
  after(async () => {
    await Promise.all([entra.close(), ingestion.close()]);
    await pipeline.stop();
  });
  beforeEach(async () => {
    ingestion.clear();
    await pipeline.purge();
    await quarantineLines();
  });

  function config(extra: Record<string, unknown> = {}, endpoint = ingestion.url) {
    return {
      sources: [SOURCE],
      destinations: [
        {
          type: 'sentinel',
          name: 'sentinel',
          endpoint,
          authorityHost: entra.url,
          dcrImmutableId: DCR,
          tenantId: TENANT,
          clientId: CLIENT,
          clientSecretArn,
          ...extra,
        },
      ],
    };
  }

  async function dlqDepth(): Promise<number> {
    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  async function quarantineLines(): Promise<Record<string, unknown>[]> {
    const listed = await pipeline.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sluice/quarantine/' }),
    );
    const lines: Record<string, unknown>[] = [];
    for (const object of listed.Contents ?? []) {
      const response = await pipeline.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key! }));
      const text = await response.Body!.transformToString();
      for (const line of text.trim().split('\n')) lines.push(JSON.parse(line));
      await pipeline.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: object.Key! }));
    }
    return lines;
  }

  /** Rows by record id, asserting that no record arrived twice. */
  function rowsOnce(stream: string): Map<string, Record<string, unknown>> {
    const rows = ingestion.rows(stream);
    const byId = new Map(rows.map((row) => [idOf(row), row]));
    assert.equal(byId.size, rows.length, `a record of ${stream} arrived twice`);
    return byId;
  }

  it('delivers every record once, to its log type’s stream, with TimeGenerated and otherwise untouched', async () => {
    const issuedBefore = entra.counters.issued;
    const handler = pipeline.handlerFor(config());
    const activities = Array.from({ length: 7 }, (_, index) => activity(index));
    const queries = Array.from({ length: 4 }, (_, index) => query(index));
    await pipeline.putObject(key('activities', 'plain.json'), ndjson(activities.slice(0, 4)));
    await pipeline.putObject(key('activities', 'pretty.json'), pretty(activities.slice(4)));
    await pipeline.putObject(key('queries', 'zipped.json.gz'), gzipSync(ndjson(queries)));

    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    const delivered = rowsOnce('Custom-strongdm_activities');
    assert.deepEqual(
      [...delivered.values()].map(withoutTime).sort((a, b) => idOf(a).localeCompare(idOf(b))),
      activities,
    );
    assert.equal(delivered.get('at-000003')?.TimeGenerated, '2024-02-01T18:50:03.7829606Z');
    const deliveredQueries = rowsOnce('Custom-strongdm_queries');
    assert.equal(deliveredQueries.size, 4);
    assert.equal(deliveredQueries.get('Q000002')?.TimeGenerated, '2024-02-01T13:13:20.8955971Z');
    assert.equal(ingestion.lastHeaders?.['content-encoding'], 'gzip');
    assert.equal(entra.counters.issued - issuedBefore, 1, 'one token served every batch');
    assert.deepEqual(await quarantineLines(), []);
    assert.equal(await dlqDepth(), 0);
  });

  it('splits a call the API finds too large, and quarantines the one record that alone is', async () => {
    // A 64 KiB limit stands in for the API's 1 MB, so that the batches stay small.
    const small = await startLogsIngestionReceiver({
      dcrImmutableId: DCR,
      streams: STREAMS,
      tokens: entra.verifier,
      maxContentLength: 64 * 1024,
    });
    try {
      const handler = pipeline.handlerFor(config({ gzip: false }, small.url));
      const padding = 'x'.repeat(900);
      const records = Array.from({ length: 300 }, (_, index) => activity(100 + index, { padding }));
      records.splice(150, 0, activity(99, { padding: 'y'.repeat(80 * 1024) }));
      await pipeline.putObject(key('activities', 'large.json'), ndjson(records));

      const drained = await pipeline.drain(handler);
      assert.equal(drained.failed, 0);
      assert.ok((small.counters.byStatus[413] ?? 0) >= 3, `${small.counters.byStatus[413]} calls split`);
      const rows = small.rows('Custom-strongdm_activities');
      assert.equal(new Set(rows.map(idOf)).size, rows.length, 'no record twice');
      assert.deepEqual(
        rows.map(idOf).sort(),
        records
          .map(idOf)
          .filter((id) => id !== 'at-000099')
          .sort(),
      );
      const quarantined = await quarantineLines();
      assert.deepEqual(
        quarantined.map((line) => [line.destination, line.code, line.recordId]),
        [['sentinel', 'SENTINEL_RECORD_TOO_LARGE', 'at-000099']],
      );
      assert.match(
        String(quarantined[0].reason),
        /413 ContentLengthLimitExceeded: Maximum allowed content length/,
      );
    } finally {
      await small.close();
    }
  });

  it('waits out 429 and 503 (Retry-After) and delivers each record once', async () => {
    const handler = pipeline.handlerFor(config());
    ingestion.injectFaults('throttle', 'unavailable', 'throttle');
    await pipeline.putObject(
      key('activities', 'throttled.json'),
      ndjson([20, 21, 22].map((n) => activity(n))),
    );
    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    assert.deepEqual(
      [ingestion.counters.byStatus[429], ingestion.counters.byStatus[503], ingestion.counters.byStatus[204]],
      [2, 1, 1],
    );
    assert.deepEqual([...rowsOnce('Custom-strongdm_activities').keys()].sort(), [
      'at-000020',
      'at-000021',
      'at-000022',
    ]);
  });

  it('asks for a new token when the API answers 401 to an expired one, and resends once', async () => {
    const handler = pipeline.handlerFor(config());
    await pipeline.putObject(key('activities', 'first.json'), ndjson([30].map((n) => activity(n))));
    await pipeline.drain(handler);
    const issued = entra.counters.issued;
    // Azure's clock runs two hours ahead: the token this forwarder holds has expired for the API.
    clock.advance(2 * 60 * 60 * 1000);
    await pipeline.putObject(key('activities', 'second.json'), ndjson([31, 32].map((n) => activity(n))));
    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    assert.equal(ingestion.counters.byStatus[401], 1);
    assert.equal(entra.counters.issued, issued + 1, 'one new token');
    assert.deepEqual([...rowsOnce('Custom-strongdm_activities').keys()].sort(), [
      'at-000030',
      'at-000031',
      'at-000032',
    ]);
  });

  it('re-reads a rotated client secret from Secrets Manager when Entra ID refuses the cached one', async () => {
    const handler = pipeline.handlerFor(config());
    await pipeline.putObject(key('activities', 'before.json'), ndjson([40].map((n) => activity(n))));
    await pipeline.drain(handler);
    // Rotation: a new secret in Entra ID and in Secrets Manager; Azure then expires the token in hand.
    entra.setClientSecret('rotated-secret');
    await pipeline.secrets.send(
      new PutSecretValueCommand({ SecretId: clientSecretArn, SecretString: 'rotated-secret' }),
    );
    clock.advance(2 * 60 * 60 * 1000);
    try {
      await pipeline.putObject(key('activities', 'after.json'), ndjson([41].map((n) => activity(n))));
      const drained = await pipeline.drain(handler);
      assert.equal(drained.failed, 0);
      assert.deepEqual([...rowsOnce('Custom-strongdm_activities').keys()].sort(), ['at-000040', 'at-000041']);
    } finally {
      entra.setClientSecret(CLIENT_SECRET);
      await pipeline.secrets.send(
        new PutSecretValueCommand({ SecretId: clientSecretArn, SecretString: CLIENT_SECRET }),
      );
    }
  });

  it('quarantines only the record the API refuses with 400, each with the service’s error; delivers the rest', async () => {
    // The DCR refuses a row whose `activity` is not a string (a column of another type).
    const strict = await startLogsIngestionReceiver({
      dcrImmutableId: DCR,
      streams: STREAMS,
      tokens: entra.verifier,
      refuseRowsContaining: 'NOT-A-STRING',
    });
    try {
      const handler = pipeline.handlerFor(config({}, strict.url));
      const records = Array.from({ length: 500 }, (_, index) => activity(1_000 + index));
      records[137] = activity(1_137, { activity: { value: 'NOT-A-STRING' } });
      records[401] = activity(1_401, { activity: { value: 'NOT-A-STRING' } });
      await pipeline.putObject(key('activities', 'refused.json'), ndjson(records));
      const drained = await pipeline.drain(handler);
      assert.equal(drained.failed, 0, 'quarantined records complete the message');
      const quarantined = await quarantineLines();
      assert.deepEqual(
        quarantined.map((line) => [line.destination, line.code, line.recordId, line.reason]).sort(),
        ['at-001137', 'at-001401'].map((id) => [
          'sentinel',
          'SENTINEL_BATCH_REJECTED',
          id,
          'Logs Ingestion API 400 InvalidPayload: Data at index 0 does not match the schema of stream \'Custom-strongdm_activities\': it contains "NOT-A-STRING".',
        ]),
      );
      const rows = strict.rows('Custom-strongdm_activities');
      assert.equal(new Set(rows.map(idOf)).size, rows.length, 'no record twice');
      assert.equal(rows.length, 498);
      // Two bad records in one batch of 500: at most 2 × 2 × ⌈log2 500⌉ calls after the first.
      assert.ok(strict.counters.requests <= 1 + 36, `${strict.counters.requests} calls`);
      assert.equal(await dlqDepth(), 0);
    } finally {
      await strict.close();
    }
  });

  it('a DCR that refuses every record costs a bounded number of calls; all are quarantined with the reason', async () => {
    const strict = await startLogsIngestionReceiver({
      dcrImmutableId: DCR,
      streams: STREAMS,
      tokens: entra.verifier,
      refuseRowsContaining: 'Admin UI',
    });
    try {
      const handler = pipeline.handlerFor(config({}, strict.url));
      const records = Array.from({ length: 500 }, (_, index) => activity(2_000 + index));
      await pipeline.putObject(key('activities', 'mismatch.json'), ndjson(records));
      const drained = await pipeline.drain(handler);
      assert.equal(drained.failed, 0);
      const quarantined = await quarantineLines();
      assert.deepEqual(quarantined.map((line) => line.recordId).sort(), records.map(idOf).sort());
      assert.ok(quarantined.every((line) => line.code === 'SENTINEL_BATCH_REJECTED'));
      assert.ok(
        quarantined.every((line) => String(line.reason).startsWith('Logs Ingestion API 400 InvalidPayload')),
      );
      // One batch of 500: the first call and at most 4 × ⌈log2 500⌉ = 36 more (2n − 1 = 999 without a bound).
      assert.ok(strict.counters.requests <= 37, `${strict.counters.requests} calls`);
      assert.equal(strict.rows().length, 0);
      assert.equal(await dlqDepth(), 0);
    } finally {
      await strict.close();
    }
  });

  it('fails, never quarantines, when the DCR does not declare the stream (400 InvalidStream)', async () => {
    const handler = pipeline.handlerFor(
      config({ streamByLogType: { activities: 'Custom-Activities_typo' } }),
    );
    await pipeline.putObject(key('activities', 'misrouted.json'), ndjson([60].map((n) => activity(n))));
    const drained = await pipeline.drain(handler, { remainingMs: 5_000 });
    assert.ok(drained.failed >= 5, `failed ${drained.failed} times`);
    assert.equal(await dlqDepth(), 1, 'the notification waits in the DLQ for a redrive once fixed');
    assert.deepEqual(await quarantineLines(), []);
    assert.equal(ingestion.counters.byStatus[400], drained.failed);
  });
});
