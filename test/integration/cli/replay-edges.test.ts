import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
import { S3QuarantineWriter } from '../../../lambda/adapters/s3-quarantine';
import { parseConfig } from '../../../lambda/core/config/load';
import { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { LocalForwarder } from '../../../cli/forwarding/local-forwarder';
import { CheckpointFile } from '../../../cli/replay/checkpoint';
import { replay } from '../../../cli/replay/replay';
import { receiveAll } from '../ingest/aws';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';

const BUCKET = 'replay-gone';
const TOKEN = 'hec-token-replay-gone';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/hec-AbCdEf';
const FOLDER = 'sdm/logs/activities/2024/02/01/18/50';

const lines = (prefix: string, count: number) =>
  Array.from(
    { length: count },
    (_, index) =>
      `${JSON.stringify({ id: `${prefix}-${index}`, logType: 'activities', timestamp: '2024-02-01T18:50:04Z' })}\n`,
  ).join('');

describe('sluice replay: what the listing saw and what is read (moto, HEC receiver)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let sqs: SQSClient;
  let hec: HecReceiver;

  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    sqs = new SQSClient(motoClientConfig(moto.endpoint));
    hec = await startHecReceiver({ token: TOKEN });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => {
    s3.destroy();
    sqs.destroy();
    await hec.close();
    await moto.stop();
  });

  it('--direct: an object overwritten between the listing and the read is reported as not forwarded, not as forwarded', async () => {
    for (const name of ['a', 'b'])
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${FOLDER}/${name}.json`, Body: lines(name, 2) }),
      );
    const runtime = runtimeConfigOf(
      parseConfig({
        sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
        destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn: SECRET_ARN }],
      }),
    );
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    const forwarder = new LocalForwarder({
      sources: runtime.sources,
      destinations: runtime.destinations,
      objects: new S3ObjectSource(s3),
      quarantine: new S3QuarantineWriter(s3, BUCKET, runtime.quarantinePrefix),
      secret: () => ({ get: async () => TOKEN, refresh: async () => TOKEN }),
      maxRecordBytes: runtime.maxRecordBytes,
      maxObjectBytes: runtime.maxObjectBytes,
      log: silent,
    });

    let overwritten = false;
    const report = await replay({
      s3,
      bucket: BUCKET,
      source: { name: 'strongdm', prefix: 'sdm/logs' },
      from: new Date('2024-02-01T18:50:00Z'),
      to: new Date('2024-02-01T18:51:00Z'),
      mode: 'direct',
      region: 'us-east-1',
      forward: async (object, logType) => {
        // The writer replaces the first object after the listing saw it, before it is read.
        if (!overwritten) {
          overwritten = true;
          await s3.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: object.key, Body: lines('rewritten', 1) }),
          );
        }
        return forwarder.forward(
          {
            bucket: BUCKET,
            key: object.key,
            eTag: object.eTag,
            size: object.size,
            eventTime: object.lastModified,
          },
          runtime.sources[0],
          logType,
        );
      },
    });
    forwarder.close();

    assert.deepEqual(
      hec.events.map((event) => (event.event as { id: string }).id),
      ['b-0', 'b-1'],
      'the listed bytes of a.json are gone: nothing of it was sent',
    );
    assert.deepEqual(
      { done: report.done, gone: report.gone, complete: report.complete },
      { done: 1, gone: [`${FOLDER}/a.json`], complete: true },
    );
  });

  it("a resumed replay continues after its checkpoint in S3's key order (UTF-8 bytes), so no key after it is dropped", async () => {
    // S3 lists U+FF01 (3 UTF-8 bytes, EF …) before U+1F600 (4 bytes, F0 …); JavaScript's `<` compares
    // UTF-16 units and puts U+1F600 (D83D …) first.
    const folder = 'sdm/logs/queries/2024/02/01/19/10';
    const keys = [`${folder}/\uFF01.json`, `${folder}/\u{1F600}.json`];
    for (const name of keys) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: '{}\n' }));
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'replay-key-order' }));
    const checkpoint = new CheckpointFile(join(mkdtempSync(join(tmpdir(), 'sluice-replay-')), 'cp.json'));
    const run = (maxObjects?: number) =>
      replay({
        s3,
        sqs,
        queueUrl: queue.QueueUrl,
        bucket: BUCKET,
        source: { name: 'strongdm', prefix: 'sdm/logs' },
        from: new Date('2024-02-01T19:10:00Z'),
        to: new Date('2024-02-01T19:11:00Z'),
        logTypes: ['queries'],
        mode: 'enqueue',
        region: 'us-east-1',
        checkpoint,
        maxObjects,
      });

    const first = await run(1);
    const rest = await run();

    assert.deepEqual([first.lastKey, first.complete], [keys[0], false]);
    assert.deepEqual([rest.done, rest.lastKey, rest.complete], [1, keys[1], true]);
    const enqueued = (await receiveAll(sqs, queue.QueueUrl!)).map((message) =>
      decodeURIComponent(
        (JSON.parse(message.Body!) as { Records: [{ s3: { object: { key: string } } }] }).Records[0].s3.object
          .key,
      ),
    );
    assert.deepEqual(enqueued.sort(), [...keys].sort());
  });
});
