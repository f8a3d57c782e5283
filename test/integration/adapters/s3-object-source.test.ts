import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
import type { SluiceError } from '../../../lambda/core/errors';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

describe('reading the object a notification names (moto S3)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let source: S3ObjectSource;
  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    source = new S3ObjectSource(s3);
    await s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'suspended' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'suspended',
        VersioningConfiguration: { Status: 'Suspended' },
      }),
    );
  });
  after(async () => {
    s3.destroy();
    await moto.stop();
  });

  it('reads the notified version even after an overwrite, and from a byte offset', async () => {
    const first = await s3.send(
      new PutObjectCommand({ Bucket: 'versioned', Key: 'k', Body: 'first version\n' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'k', Body: 'second version\n' }));
    const ref = { bucket: 'versioned', key: 'k', versionId: first.VersionId, eventTime: new Date() };
    assert.equal(await text((await source.open(ref, 0)).body), 'first version\n');
    assert.equal(await text((await source.open(ref, 6)).body), 'version\n');
  });

  it("reports the object's LastModified, the time of records without one, also for a ranged read", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'dated', Body: '{"a":1}\n' }));
    const ref = { bucket: 'versioned', key: 'dated', versionId: put.VersionId, eventTime: new Date(0) };
    const full = await source.open(ref, 0);
    const ranged = await source.open(ref, 3);
    await Promise.all([text(full.body), text(ranged.body)]);
    assert.ok(full.lastModified instanceof Date && full.lastModified.getTime() > 0);
    assert.deepEqual(ranged.lastModified, full.lastModified);
  });

  it("names the bytes read by the whole object's ETag, unquoted, also for a ranged read", async () => {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'versioned', Key: 'tagged', Body: '{"a":1}\n{"a":2}\n' }),
    );
    const whole = put.ETag!.replace(/"/g, '');
    const ref = { bucket: 'versioned', key: 'tagged', versionId: put.VersionId, eventTime: new Date() };
    const full = await source.open(ref, 0);
    const ranged = await source.open(ref, 8);
    await Promise.all([text(full.body), text(ranged.body)]);
    assert.deepEqual([full.eTag, ranged.eTag], [whole, whole]);
  });

  it('in an unversioned bucket, reads the notified content by its ETag, quoted or not', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'same.json', Body: 'same\n' }));
    for (const eTag of [put.ETag!, put.ETag!.replace(/"/g, '')]) {
      const opened = await source.open({ bucket: 'plain', key: 'same.json', eTag, eventTime: new Date() }, 0);
      assert.equal(await text(opened.body), 'same\n');
    }
  });

  it('says OBJECT_NOT_FOUND, naming the object, when it was deleted', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'gone.json', Body: '{}\n' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'plain', Key: 'gone.json' }));
    await assert.rejects(
      source.open({ bucket: 'plain', key: 'gone.json', eventTime: new Date() }, 0),
      (error: SluiceError) => {
        assert.equal(error.code, 'OBJECT_NOT_FOUND');
        assert.match(error.message, /s3:\/\/plain\/gone\.json/);
        return true;
      },
    );
  });

  it('in an unversioned bucket, refuses content that changed since the notification (its ETag)', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'over.json', Body: 'one\n' }));
    await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'over.json', Body: 'two\n' }));
    await assert.rejects(
      source.open({ bucket: 'plain', key: 'over.json', eTag: put.ETag, eventTime: new Date() }, 0),
      (error: SluiceError) => error.code === 'OBJECT_NOT_FOUND',
    );
  });

  it('reads nothing, rather than failing, from the byte just past the end (a read cut after its last record)', async () => {
    // A stream that failed after the closing brace of the last record resumes at the object's size:
    // S3 answers such a range 416 InvalidRange, which would fail the continuation on every receive.
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'versioned', Key: 'ended', Body: '{"a":1}\n{"a":2}' }),
    );
    const ref = { bucket: 'versioned', key: 'ended', versionId: put.VersionId, eventTime: new Date() };
    assert.equal(await text((await source.open(ref, 15)).body), '');
  });

  it('in a versioning-suspended bucket, refuses the `null` version once overwritten (its ETag), also from a byte offset', async () => {
    // S3 notifies such writes with versionId "null", which names the key's one null slot: the next PUT
    // replaces its bytes. Read by that id alone, a notification or continuation would read the new bytes.
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'suspended', Key: 'slot.json', Body: '{"v":1}\n{"v":1}\n' }),
    );
    const ref = {
      bucket: 'suspended',
      key: 'slot.json',
      versionId: 'null',
      eTag: put.ETag,
      eventTime: new Date(),
    };
    assert.equal(
      await text((await source.open(ref, 8)).body),
      '{"v":1}\n',
      'unchanged: read by version and ETag',
    );
    await s3.send(
      new PutObjectCommand({ Bucket: 'suspended', Key: 'slot.json', Body: '{"version":2}\n{"version":2}\n' }),
    );
    for (const fromByte of [0, 8]) {
      await assert.rejects(source.open(ref, fromByte), (error: SluiceError) => {
        assert.equal(error.code, 'OBJECT_NOT_FOUND');
        return true;
      });
    }
  });
});
