import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { continuationBody } from '../../../lambda/core/notifications/continuation';
import { syntheticNotification } from '../../../cli/replay/s3-notification';
import { receiveAll } from '../ingest/aws';
import { BUCKET, key, notification, startRig, type Rig } from './support';

const line = (id: string, pad = '') =>
  `${JSON.stringify({ id, logType: 'activities', timestamp: '2024-02-01T18:50:04Z', pad })}\n`;
const lines = (prefix: string, count: number, pad = '') =>
  Array.from({ length: count }, (_, index) => line(`${prefix}-${index}`, pad)).join('');

/**
 * An object overwritten while it is being forwarded. Versioning suspended: every PUT of a key replaces
 * its `null` version in place, and a notification (or continuation) of the first bytes read after the
 * second PUT must not read the second bytes as if they were the first (the second PUT's own
 * notification delivers those). Versioning enabled: the first bytes stay readable, and a continuation
 * must go on reading them whatever named them first.
 */
describe('an object overwritten while it is forwarded (moto, local receivers)', () => {
  let rig: Rig;

  before(async () => {
    rig = await startRig();
  });
  after(async () => rig.stop());
  beforeEach(async () => rig.reset());

  async function versioning(status: 'Enabled' | 'Suspended'): Promise<void> {
    await rig.pipeline.s3.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: status } }),
    );
  }

  async function putTwice(name: string, first: string, second: string): Promise<string> {
    const put = await rig.pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: first }));
    await rig.pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: second }));
    // moto's own notifications (without a versionId) are not what this is about.
    await rig.reset();
    return put.ETag!;
  }

  it('versioning suspended: skips a notification of overwritten bytes with a log line instead of delivering the new bytes under it', async () => {
    await versioning('Suspended');
    const name = key('activities', 'null-version.json');
    const eTag = await putTwice(name, lines('first', 2), lines('second', 2));

    const logged = await rig.process(notification(name, { versionId: 'null', eTag: eTag.replace(/"/g, '') }));

    assert.deepEqual([rig.elasticIds(), rig.splunkIds()], [[], []], 'the second bytes are not read');
    assert.deepEqual(
      logged.map(({ level, message }) => [level, message]),
      [['error', 'object deleted before it was forwarded: nothing to read']],
      'the first bytes are gone, and the log says so',
    );
  });

  it('versioning suspended: a continuation of overwritten bytes reads nothing at its offset: no stray quarantine, no records of the new bytes', async () => {
    await versioning('Suspended');
    const name = key('activities', 'null-continued.json');
    const first = lines('first', 3);
    const eTag = await putTwice(name, first, lines('second', 3, 'x'.repeat(40)));
    const resumeAt = Buffer.byteLength(line('first-0', ''));
    const body = continuationBody(
      {
        object: { bucket: BUCKET, key: name, versionId: 'null', eTag, eventTime: new Date() },
        progress: { splunk: resumeAt, elastic: resumeAt },
        encoding: 'identity',
      },
      'deadline',
    );

    const logged = await rig.process(body);

    assert.deepEqual([rig.elasticIds(), rig.splunkIds()], [[], []]);
    assert.deepEqual(await rig.quarantine(), [], 'no half record of the new bytes is quarantined');
    assert.equal(logged[0]?.message, 'object deleted before it was forwarded: nothing to read');
  });

  it('versioning enabled: a continuation of a replayed object (no versionId) still delivers the version the first pass read after an overwrite', async () => {
    await versioning('Enabled');
    const name = key('activities', 'replayed-then-overwritten.json');
    const first = lines('first', 3);
    const put = await rig.pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: first }));
    await rig.reset();
    // A replay's notification names the listed ETag, never a version (ListObjectsV2 has none).
    const replayed = syntheticNotification(
      BUCKET,
      { key: name, size: first.length, eTag: put.ETag, lastModified: new Date() },
      'us-east-1',
    );
    rig.hec.setTokenDisabled(true);
    await rig.process(replayed);
    rig.hec.setTokenDisabled(false);
    assert.deepEqual([rig.elasticIds().length, rig.splunkIds().length], [3, 0], 'Splunk is left for later');
    const [continuation] = (await receiveAll(rig.pipeline.sqs, rig.pipeline.queueUrl)).map((m) => m.Body!);
    assert.match(continuation, /sluice\.continuation\.v1/);

    // The writer replaces the object before the continuation's turn (an outage can last hours).
    await rig.pipeline.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: lines('second', 2) }));
    const logged = await rig.process(continuation);

    assert.deepEqual(
      rig.splunkIds(),
      ['first-0', 'first-1', 'first-2'],
      `the version the first pass read reaches Splunk too (log: ${JSON.stringify(logged.map((l) => l.message))})`,
    );
  });
});
