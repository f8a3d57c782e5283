import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardObject, type ForwardDependencies } from '../../../lambda/core/forward/forward-object';
import type { ObjectRef, ObjectWork } from '../../../lambda/core/notifications/object-ref';
import {
  gzipped,
  md5,
  MemoryObjects,
  MemoryQuarantine,
  ndjson,
  RecordingSink,
  strongdmSource,
} from './fakes';

// StrongDM `replays` records have no id of their own: they get the fallback id.
const KEY = 'sdm/logs/replays/2024/02/01/18/50/r.json';
const GZ_KEY = `${KEY}.gz`;
const records = Array.from({ length: 40 }, (_, index) => ({
  logType: 'replays',
  timestamp: '2024-02-01T18:50:04Z',
  data: `frame ${index}`,
}));
const plain = ndjson(records);
const zipped = gzipped(plain);

function dependencies(objects: MemoryObjects, sink: RecordingSink): ForwardDependencies {
  return {
    source: strongdmSource,
    logTypeFromKey: 'replays',
    destinations: [{ sink, maxInFlight: 2 }],
    objects,
    quarantine: new MemoryQuarantine(),
    maxRecordBytes: 1024 * 1024,
    maxObjectBytes: 1024 * 1024 * 1024,
    now: () => 0,
    stopReadingAt: Number.POSITIVE_INFINITY,
    deliveryDeadline: Number.POSITIVE_INFINITY,
  };
}

/** The ids one pass over `work` sends, keyed by byte offset. */
async function idsOf(
  work: ObjectWork,
  options: { reportsETag?: boolean } = {},
): Promise<Map<number, string>> {
  const objects = new MemoryObjects({ [KEY]: plain, [GZ_KEY]: zipped });
  objects.reportsETag = options.reportsETag ?? true;
  const sink = new RecordingSink('elastic', 7);
  const result = await forwardObject(work, dependencies(objects, sink));
  assert.equal(result.status, 'complete');
  return new Map(sink.received.map((record) => [record.offset, record.id]));
}

const at = new Date('2024-02-01T18:50:05Z');
/** What S3 sends for a versioned bucket: versionId and the ETag, unquoted. */
const versionedNotification: ObjectRef = {
  bucket: 'acme-logs',
  key: KEY,
  versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
  eTag: md5(plain),
  size: plain.length,
  eventTime: at,
};

describe('fallback record ids, on every path that reads the same bytes', () => {
  it('are the same for a versioned notification, a replay, `forward`, and a notification without eTag', async () => {
    const first = await idsOf({ object: versionedNotification });
    assert.equal(first.size, 40);
    assert.equal(new Set(first.values()).size, 40, 'one id per record');
    // Replay and `forward s3://` list the bucket: no versionId, the ETag quoted, another time.
    const listed = { ...versionedNotification, versionId: undefined, eTag: `"${md5(plain)}"` };
    assert.deepEqual(await idsOf({ object: { ...listed, eventTime: new Date(0) } }), first);
    // A notification whose eTag is missing (e.g. a hand-written message): the GET names the bytes.
    assert.deepEqual(await idsOf({ object: { ...versionedNotification, eTag: undefined } }), first);
    // A store that names no ETag: the notification's, quoted or not, is the same name.
    assert.deepEqual(await idsOf({ object: listed }, { reportsETag: false }), first);
    assert.deepEqual(await idsOf({ object: versionedNotification }, { reportsETag: false }), first);
  });

  it('are the same when a continuation resumes the object with a ranged read, or re-reads it gzipped', async () => {
    const first = await idsOf({ object: versionedNotification });
    const offsets = [...first.keys()].sort((a, b) => a - b);
    const resumeAt = offsets[17];
    // A continuation made from a notification without eTag: only the ranged GET names the bytes.
    const resumed = await idsOf({
      object: { ...versionedNotification, eTag: undefined },
      progress: { elastic: resumeAt },
      encoding: 'identity',
    });
    assert.deepEqual(
      resumed,
      new Map([...first].filter(([offset]) => offset >= resumeAt)),
      'the records after the resume point, with the ids the first pass gave them',
    );

    const gzipFirst = await idsOf({ object: { ...versionedNotification, key: GZ_KEY, eTag: md5(zipped) } });
    const gzipResumed = await idsOf({
      object: { ...versionedNotification, key: GZ_KEY, eTag: undefined, versionId: undefined },
      progress: { elastic: resumeAt },
      encoding: 'gzip',
    });
    assert.deepEqual(gzipResumed, new Map([...gzipFirst].filter(([offset]) => offset >= resumeAt)));
  });

  it('change when the bytes change (another ETag), even under the same key', async () => {
    const first = await idsOf({ object: versionedNotification });
    const objects = new MemoryObjects({ [KEY]: ndjson([...records, records[0]]) });
    const sink = new RecordingSink('elastic', 7);
    await forwardObject(
      { object: { ...versionedNotification, eTag: undefined } },
      dependencies(objects, sink),
    );
    assert.notEqual(sink.received[0].id, first.get(0));
  });
});
