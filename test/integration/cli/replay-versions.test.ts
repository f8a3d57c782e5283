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

const BUCKET = 'replay-versions';
const TOKEN = 'hec-token-replay-versions';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/hec-AbCdEf';
const FOLDER = 'sdm/logs/activities/2024/02/01/18/50';

const lines = (prefix: string, count: number) =>
  Array.from(
    { length: count },
    (_, index) =>
      `${JSON.stringify({ id: `${prefix}-${index}`, logType: 'activities', timestamp: '2024-02-01T18:50:04Z' })}\n`,
  ).join('');

describe('sluice replay --all-versions: the overwritten and deleted versions of a versioned bucket (moto, HEC receiver)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let sqs: SQSClient;
  let hec: HecReceiver;
  const versionIds: Record<string, string[]> = {};

  const put = async (name: string, body: string) => {
    const answer = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${FOLDER}/${name}`, Body: body }),
    );
    (versionIds[name] ??= []).push(answer.VersionId!);
  };

  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    sqs = new SQSClient(motoClientConfig(moto.endpoint));
    hec = await startHecReceiver({ token: TOKEN });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    // An in-house writer that overwrites a.json, writes b.json once, and deletes c.json.
    await put('a.json', lines('a1', 2));
    await put('a.json', lines('a2', 1));
    await put('b.json', lines('b', 1));
    await put('c.json', lines('c', 1));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${FOLDER}/c.json` }));
  });
  after(async () => {
    s3.destroy();
    sqs.destroy();
    await hec.close();
    await moto.stop();
  });

  const range = {
    bucket: BUCKET,
    source: { name: 'strongdm', prefix: 'sdm/logs' },
    from: new Date('2024-02-01T18:50:00Z'),
    to: new Date('2024-02-01T18:51:00Z'),
    region: 'us-east-1',
  };

  it('--direct: every version is forwarded, each read by its version id; without the flag, only the current ones', async () => {
    const runtime = runtimeConfigOf(
      parseConfig({
        sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
        destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn: SECRET_ARN }],
      }),
    );
    const forwarder = new LocalForwarder({
      sources: runtime.sources,
      destinations: runtime.destinations,
      objects: new S3ObjectSource(s3),
      quarantine: new S3QuarantineWriter(s3, BUCKET, runtime.quarantinePrefix),
      secret: () => ({ get: async () => TOKEN, refresh: async () => TOKEN }),
      maxRecordBytes: runtime.maxRecordBytes,
      maxObjectBytes: runtime.maxObjectBytes,
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const forward: ReplayRequest['forward'] = (object, logType) =>
      forwarder.forward(
        {
          bucket: BUCKET,
          key: object.key,
          eTag: object.eTag?.replace(/"/g, ''),
          ...(object.versionId ? { versionId: object.versionId } : {}),
          size: object.size,
          eventTime: object.lastModified,
        },
        runtime.sources[0],
        logType,
      );
    const sent = () =>
      hec.events
        .splice(0)
        .map((event) => (event.event as { id: string }).id)
        .sort();

    const current = await replay({ s3, ...range, mode: 'direct', forward });
    assert.deepEqual(sent(), ['a2-0', 'b-0'], 'the current versions; c.json is deleted');
    assert.equal(current.allVersions, false);

    const every = await replay({ s3, ...range, mode: 'direct', forward, allVersions: true });
    forwarder.close();
    assert.deepEqual(
      sent(),
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
          JSON.parse(message.Body!) as { Records: [{ s3: { object: { key: string; versionId?: string } } }] }
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
    const checkpoint = new CheckpointFile(join(mkdtempSync(join(tmpdir(), 'sluice-replay-')), 'cp.json'));
    await replay({
      s3,
      ...range,
      mode: 'enqueue',
      dryRun: false,
      checkpoint,
      maxObjects: 1,
      sqs,
      queueUrl: (await sqs.send(new CreateQueueCommand({ QueueName: 'replay-versions-cp' }))).QueueUrl,
    });
    await assert.rejects(
      replay({ s3, ...range, mode: 'enqueue', allVersions: true, checkpoint }),
      /belongs to an unfinished replay/,
    );
  });
});
