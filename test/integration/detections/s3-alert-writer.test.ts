import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3AlertObjectWriter } from '../../../lambda/adapters/s3-alert-writer';
import { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
import { MemoryAlertStore } from '../../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { readAlertRecord } from '../../../lambda/core/detections/routing/alert-record';
import { buildRuleSet, compilePlainRule } from '../../../lambda/core/detections/sigma/rule-set';
import { DetectionSink } from '../../../lambda/core/detections/stage/detection-sink';
import { ALERTS_LOG_TYPE } from '../../../lambda/core/detections/stage/names';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import { forwardObject, type ForwardDependencies } from '../../../lambda/core/forward/forward-object';
import { classifyKey } from '../../../lambda/core/layout/key-layout';
import { MemoryQuarantine, RecordingSink } from '../../unit/forward/fakes';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

const BUCKET = 'acme-logs';

async function read(s3: S3Client, key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: await object.Body!.transformToString('utf8'), contentType: object.ContentType };
}

/** An S3 endpoint that answers every PutObject with S3's error document for `status`. */
async function answering(status: number, code: string): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'req-1' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message><RequestId>req-1</RequestId></Error>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { server, endpoint: `http://127.0.0.1:${address.port}` };
}

describe('alert objects in S3 (moto)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => {
    s3.destroy();
    await moto.stop();
  });

  it('creates a key once: the second write of the same key answers false and changes nothing', async () => {
    const writer = new S3AlertObjectWriter(s3, BUCKET);
    const key = 'sluice/sluice-alerts/2024/02/01/13/00/once.json';
    assert.equal(await writer.create(key, '{"n":1}\n'), true);
    assert.equal(await writer.create(key, '{"n":2}\n'), false);
    assert.deepEqual(await read(s3, key), { body: '{"n":1}\n', contentType: 'application/x-ndjson' });
  });

  it('reads an alert object back as written (an opening found taken), and answers undefined for a free key', async () => {
    const writer = new S3AlertObjectWriter(s3, BUCKET);
    // Under another alerts prefix: the stage's test below lists every alert under `sluice/`.
    const key = 'elsewhere/sluice-alerts/2024/02/01/13/00/read.json';
    assert.equal(await writer.read(key), undefined);
    await writer.create(key, '{"occurrences":2}\n');
    assert.equal(await writer.read(key), '{"occurrences":2}\n');
  });

  it('throws what is not a taken key, so the stage fails its batch and retries it', async () => {
    const writer = new S3AlertObjectWriter(s3, 'no-such-bucket');
    await assert.rejects(writer.create('sluice/sluice-alerts/x.json', '{}\n'), { name: 'NoSuchBucket' });
  });

  it("reads S3's own 412 PreconditionFailed as a taken key, and throws its 409 ConditionalRequestConflict", async () => {
    for (const [status, code, expected] of [
      [412, 'PreconditionFailed', false],
      [409, 'ConditionalRequestConflict', 'throws'],
    ] as const) {
      const { server, endpoint } = await answering(status, code);
      const client = new S3Client({ ...motoClientConfig(endpoint), maxAttempts: 1 });
      try {
        const create = new S3AlertObjectWriter(client, BUCKET).create('sluice/sluice-alerts/k.json', '{}\n');
        if (expected === 'throws') await assert.rejects(create, { name: code });
        else assert.equal(await create, expected);
      } finally {
        client.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it('the stage writes alerts that the forwarder reads back from the bucket as sluice-alerts records', async () => {
    const vendorKey = 'app/events/2024/02/01/13/00/a.json';
    const lines = [0, 1, 2].map((n) =>
      JSON.stringify({ id: `ev-${n}`, timestamp: `2024-02-01T13:00:0${n}Z`, query: 'DROP TABLE users' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: vendorKey, Body: `${lines.join('\n')}\n` }));
    const index = new RuleIndex(
      buildRuleSet([
        compilePlainRule('drop.yml', {
          title: 'table dropped',
          name: 'drop_table',
          logsource: { product: 'app', service: 'events' },
          detection: { selection: { 'query|contains': 'drop table' }, condition: 'selection' },
          level: 'high',
        }),
      ]),
      [{ name: 'app' }, { name: 'sluice' }],
    );
    const alerts = new MemoryAlertStore();
    const stage = new DetectionSink({
      index,
      windows: new MemoryWindowStore(),
      alerts,
      writer: new S3AlertObjectWriter(s3, BUCKET),
    });
    const deps = (sink: RecordingSink, overrides: Partial<ForwardDependencies>): ForwardDependencies => ({
      source: {
        name: 'app',
        format: 'ndjson',
        timestampField: 'timestamp',
        idFieldByLogType: { events: 'id' },
      },
      logTypeFromKey: 'events',
      destinations: [
        { sink, maxInFlight: 1 },
        { sink: stage, maxInFlight: 1 },
      ],
      detections: stage,
      objects: new S3ObjectSource(s3),
      quarantine: new MemoryQuarantine(),
      maxRecordBytes: 1 << 20,
      maxObjectBytes: 1 << 30,
      now: Date.now,
      stopReadingAt: Date.now() + 600_000,
      deliveryDeadline: Date.now() + 600_000,
      ...overrides,
    });
    const vendorRef = { bucket: BUCKET, key: vendorKey, eventTime: new Date() };
    const siem = new RecordingSink('siem', 100);
    assert.equal((await forwardObject({ object: vendorRef }, deps(siem, {}))).status, 'complete');
    // Delivered again (SQS at least once): the opening was marked notified, so nothing new is written.
    assert.equal((await forwardObject({ object: vendorRef }, deps(siem, {}))).status, 'complete');

    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sluice/sluice-alerts/' }),
    );
    const keys = (listed.Contents ?? [])
      .map((object) => object.Key!)
      .filter((key) => !key.endsWith('once.json'));
    assert.equal(keys.length, 1, 'one opening, written once');
    assert.equal([...alerts.snapshot().values()][0].notified, true);

    const alertsSource = {
      name: 'sluice',
      prefix: 'sluice',
      format: 'ndjson' as const,
      timestampField: 'detectedAt',
      idFieldByLogType: { [ALERTS_LOG_TYPE]: 'eventId' },
    };
    const where = classifyKey(keys[0], [alertsSource]);
    assert.equal(where.kind === 'record-object' && where.logType, ALERTS_LOG_TYPE);
    const routed = new RecordingSink('route:pager', 100);
    const result = await forwardObject(
      { object: { bucket: BUCKET, key: keys[0], eventTime: new Date() } },
      deps(routed, { source: alertsSource, logTypeFromKey: ALERTS_LOG_TYPE }),
    );
    assert.equal(result.status, 'complete');
    assert.equal(routed.received.length, 1);
    const [record] = routed.received;
    const reading = readAlertRecord(record.value);
    assert.ok(reading.ok, reading.ok ? '' : reading.problem);
    assert.equal(record.logType, ALERTS_LOG_TYPE);
    assert.equal(record.id, reading.alert.eventId, "the record's id is the alert event's");
    assert.equal(reading.alert.status, 'opened');
    assert.equal(reading.alert.occurrences, 3);
    assert.equal(reading.alert.rule.key, 'drop_table');
  });
});
