import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
import { S3QuarantineWriter } from '../../../lambda/adapters/s3-quarantine';
import { parseConfig } from '../../../lambda/core/config/load';
import { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { LocalForwarder } from '../../../cli/forwarding/local-forwarder';
import { CheckpointFile } from '../../../cli/replay/checkpoint';
import { replay, type ReplayRequest } from '../../../cli/replay/replay';
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

/** Replays `--direct` as the CLI does: the forwarder's core on this machine, to the HEC receiver. */
function directForwarder(s3: S3Client, bucket: string, hecUrl: string) {
  const runtime = runtimeConfigOf(
    parseConfig({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [{ type: 'splunk-hec', name: 'splunk', url: hecUrl, tokenSecretArn: SECRET_ARN }],
    }),
  );
  const forwarder = new LocalForwarder({
    sources: runtime.sources,
    destinations: runtime.destinations,
    objects: new S3ObjectSource(s3),
    quarantine: new S3QuarantineWriter(s3, bucket, runtime.quarantinePrefix),
    secret: () => ({ get: async () => TOKEN, refresh: async () => TOKEN }),
    maxRecordBytes: runtime.maxRecordBytes,
    maxObjectBytes: runtime.maxObjectBytes,
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  const forward: NonNullable<ReplayRequest['forward']> = (object, logType) =>
    forwarder.forward(
      {
        bucket,
        key: object.key,
        eTag: object.eTag?.replace(/"/g, ''),
        ...(object.versionId ? { versionId: object.versionId } : {}),
        size: object.size,
        eventTime: object.lastModified,
      },
      runtime.sources[0],
      logType,
    );
  return { forward, close: () => forwarder.close() };
}

const hecIds = (hec: HecReceiver) =>
  hec.events
    .splice(0)
    .map((event) => (event.event as { id: string }).id)
    .sort();

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
    const forwarder = directForwarder(s3, BUCKET, hec.url);

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
        return forwarder.forward(object, logType);
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

  describe('--all-versions: the overwritten and deleted versions of a versioned bucket', () => {
    const VERSIONED = 'replay-versions';
    const versionIds: Record<string, string[]> = {};
    const put = async (name: string, body: string) => {
      const answer = await s3.send(
        new PutObjectCommand({ Bucket: VERSIONED, Key: `${FOLDER}/${name}`, Body: body }),
      );
      (versionIds[name] ??= []).push(answer.VersionId!);
    };
    const range = {
      bucket: VERSIONED,
      source: { name: 'strongdm', prefix: 'sdm/logs' },
      from: new Date('2024-02-01T18:50:00Z'),
      to: new Date('2024-02-01T18:51:00Z'),
      region: 'us-east-1',
    };

    before(async () => {
      await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: VERSIONED,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
      // An in-house writer that overwrites a.json, writes b.json once, and deletes c.json.
      await put('a.json', lines('a1', 2));
      await put('a.json', lines('a2', 1));
      await put('b.json', lines('b', 1));
      await put('c.json', lines('c', 1));
      await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: `${FOLDER}/c.json` }));
    });

    it('--direct: every version is forwarded, each read by its version id; without the flag, only the current ones', async () => {
      const forwarder = directForwarder(s3, VERSIONED, hec.url);
      hec.events.splice(0);
      const current = await replay({ s3, ...range, mode: 'direct', forward: forwarder.forward });
      assert.deepEqual(hecIds(hec), ['a2-0', 'b-0'], 'the current versions; c.json is deleted');
      assert.equal(current.allVersions, false);

      const every = await replay({
        s3,
        ...range,
        mode: 'direct',
        forward: forwarder.forward,
        allVersions: true,
      });
      forwarder.close();
      assert.deepEqual(
        hecIds(hec),
        ['a1-0', 'a1-1', 'a2-0', 'b-0', 'c-0'],
        'the overwritten a.json and the deleted c.json too',
      );
      assert.deepEqual([every.done, every.gone, every.complete], [4, [], true]);
    });

    it('enqueued: a notification per version, pinned by its id; a stop never splits a key, and the resumed run does the rest once', async () => {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'replay-versions' }));
      const checkpoint = new CheckpointFile(join(mkdtempSync(join(tmpdir(), 'sluice-replay-')), 'cp.json'));
      const run = (maxObjects?: number) =>
        replay({
          s3,
          sqs,
          queueUrl: queue.QueueUrl,
          ...range,
          mode: 'enqueue',
          allVersions: true,
          checkpoint,
          maxObjects,
        });

      const first = await run(1);
      assert.deepEqual([first.done, first.lastKey, first.complete], [2, `${FOLDER}/a.json`, false]);
      const rest = await run();
      assert.deepEqual([rest.done, rest.lastKey, rest.complete], [2, `${FOLDER}/c.json`, true]);

      const enqueued = (await receiveAll(sqs, queue.QueueUrl!))
        .map((message) => {
          const { key, versionId } = (
            JSON.parse(message.Body!) as {
              Records: [{ s3: { object: { key: string; versionId?: string } } }];
            }
          ).Records[0].s3.object;
          return `${key.slice(FOLDER.length + 1)} ${versionId ?? '-'}`;
        })
        .sort();
      assert.deepEqual(
        enqueued,
        [
          `a.json ${versionIds['a.json'][0]}`,
          `a.json ${versionIds['a.json'][1]}`,
          `b.json ${versionIds['b.json'][0]}`,
          `c.json ${versionIds['c.json'][0]}`,
        ].sort(),
      );
    });

    it('a checkpoint of a current-versions replay is not resumed by an --all-versions one', async () => {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'replay-versions-checkpoint' }));
      const checkpoint = new CheckpointFile(join(mkdtempSync(join(tmpdir(), 'sluice-replay-')), 'cp.json'));
      await replay({
        s3,
        sqs,
        queueUrl: queue.QueueUrl,
        ...range,
        mode: 'enqueue',
        checkpoint,
        maxObjects: 1,
      });
      await assert.rejects(
        replay({ s3, ...range, mode: 'enqueue', allVersions: true, checkpoint }),
        /belongs to an unfinished replay/,
      );
    });
  });
});
