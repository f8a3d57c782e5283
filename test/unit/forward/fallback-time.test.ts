import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardObject } from '../../../lambda/core/forward/forward-object';
import type { ObjectRef, ObjectWork } from '../../../lambda/core/notifications/object-ref';
import { timestampFromDate } from '../../../lambda/core/records/timestamp';
import type { RecordTimestamp } from '../../../lambda/core/records/types';
import { forwardDependencies, MemoryObjects, MemoryQuarantine, RecordingSink } from './fakes';

// A key without the layout's time folders: its quarantine is filed under the object's time too.
const KEY = 'sdm/logs/uploads/r.json';
/** A multipart upload: S3 stores it as of its initiation (LastModified)… */
const INITIATED = new Date('2024-02-01T18:50:00Z');
/** …and notifies it when it completes, minutes later. */
const COMPLETED = new Date('2024-02-01T18:52:10.123Z');
const OWN_TIME = '2024-02-01T18:49:04.5Z';

const lines = [
  ...Array.from({ length: 6 }, (_, index) => JSON.stringify({ id: `a-${index}`, data: index })),
  JSON.stringify({ id: 'timed', timestamp: OWN_TIME }),
  'not json',
];
const body = Buffer.from(`${lines.join('\n')}\n`);

const notification: ObjectRef = { bucket: 'acme-logs', key: KEY, eTag: 'e1', eventTime: COMPLETED };
/** What `sluice replay` and `forward s3://` know: the listing's LastModified. */
const listed: ObjectRef = { ...notification, eventTime: INITIATED };

function world(lastModified: Date | undefined) {
  const objects = new MemoryObjects({ [KEY]: body });
  objects.lastModified = lastModified;
  return { objects, quarantine: new MemoryQuarantine() };
}

/** One pass over `work`: the time each record was sent with, by id. */
async function timesOf(
  work: ObjectWork,
  { objects, quarantine }: ReturnType<typeof world>,
): Promise<Map<string, RecordTimestamp>> {
  const sink = new RecordingSink('siem', 3);
  const { deps } = forwardDependencies(objects, [sink], { quarantine });
  assert.equal((await forwardObject(work, deps)).status, 'complete');
  return new Map(sink.received.map((record) => [record.id, record.timestamp]));
}

describe('records without a timestamp of their own', () => {
  it("are dated by the object's LastModified as its GET answers, not by the notification's eventTime", async () => {
    const times = await timesOf({ object: notification }, world(INITIATED));
    assert.equal(times.size, 7);
    assert.deepEqual(times.get('a-0'), timestampFromDate(INITIATED));
    assert.equal(times.get('timed')?.iso, '2024-02-01T18:49:04.5Z', 'a record keeps its own time');
  });

  it('get the same time on first delivery, on a replay and on a continuation, so windows count them once', async () => {
    const first = await timesOf({ object: notification }, world(INITIATED));
    assert.deepEqual(await timesOf({ object: listed }, world(INITIATED)), first);
    const resumed = await timesOf(
      { object: notification, progress: { siem: body.indexOf('{"id":"a-3"') }, encoding: 'identity' },
      world(INITIATED),
    );
    assert.deepEqual([...resumed.keys()], ['a-3', 'a-4', 'a-5', 'timed']);
    for (const [id, time] of resumed) assert.deepEqual(time, first.get(id), id);
  });

  it("are dated by the reference's eventTime when the store reports no LastModified (local files)", async () => {
    const times = await timesOf({ object: notification }, world(undefined));
    assert.deepEqual(times.get('a-0'), timestampFromDate(COMPLETED));
  });
});

describe('the quarantine of an object whose key has no time folders', () => {
  it('is filed under its LastModified, so a replay finds what the first delivery quarantined', async () => {
    const store = world(INITIATED);
    await timesOf({ object: notification }, store);
    assert.deepEqual(
      [...store.quarantine.files.keys()].map((name) => name.split('/').slice(0, 6).join('/')),
      ['strongdm/2024/02/01/18/50'],
    );
    await timesOf({ object: listed }, store);
    assert.equal(store.quarantine.writes, 1, 'the replay wrote nothing new');
    assert.equal(store.quarantine.entries.length, 1);
  });
});
