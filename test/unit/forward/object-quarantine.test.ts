import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardObject, type ForwardDependencies } from '../../../lambda/core/forward/forward-object';
import { ObjectQuarantine } from '../../../lambda/core/forward/object-quarantine';
import type { QuarantineEntry } from '../../../lambda/core/forward/ports';
import type { SluiceError } from '../../../lambda/core/errors';
import {
  activities,
  forwardDependencies,
  MemoryObjects,
  MemoryQuarantine,
  ndjson,
  objectRef,
  RecordingSink,
  strongdmSource,
} from './fakes';

const KEY = 'sdm/logs/activities/2024/02/01/18/50/a.json';
const object = objectRef(KEY);

const bad = (offset: number, destination?: string): QuarantineEntry => ({
  code: destination ? 'TEST_REJECTED' : 'INVALID_JSON',
  reason: 'bad',
  offset,
  destination,
  raw: destination ? undefined : Buffer.from(`bad ${offset}`),
});

function quarantineOf(store: MemoryQuarantine, eTag = 'etag-1'): ObjectQuarantine {
  return new ObjectQuarantine({ writer: store, source: 'strongdm', object, eTag, now: () => new Date(0) });
}

const offsetsIn = (store: MemoryQuarantine) =>
  store.entries.map((entry) => entry.offset).sort((a, b) => a - b);

describe("an object's quarantine", () => {
  it('stores each entry once however often the object is read, and says which ones were new', async () => {
    const store = new MemoryQuarantine();
    assert.deepEqual((await quarantineOf(store).write([bad(3), bad(9)])).length, 2);
    for (let read = 0; read < 5; read += 1) {
      assert.deepEqual(await quarantineOf(store).write([bad(3), bad(9)]), [], `read ${read + 2}`);
    }
    assert.deepEqual(offsetsIn(store), [3, 9]);
    assert.equal(store.files.size, 1);
  });

  it('stores what an earlier, shorter read did not reach, and never drops what it did', async () => {
    const store = new MemoryQuarantine();
    // A first read stopped early (deadline, destinations down), a retry read further in two flushes.
    await quarantineOf(store).write([bad(1), bad(2)]);
    const retry = quarantineOf(store);
    assert.deepEqual(
      (await retry.write([bad(1), bad(2), bad(3)])).map((entry) => entry.offset),
      [3],
    );
    assert.deepEqual(
      (await retry.write([bad(4), bad(5)])).map((entry) => entry.offset),
      [4, 5],
    );
    // A third read cut its flushes elsewhere.
    const third = quarantineOf(store);
    assert.deepEqual(await third.write([bad(1), bad(2), bad(3), bad(4)]), []);
    assert.deepEqual(
      (await third.write([bad(5), bad(6)])).map((entry) => entry.offset),
      [6],
    );
    assert.deepEqual(offsetsIn(store), [1, 2, 3, 4, 5, 6]);
  });

  it('holds a record refused by two destinations once for each, apart from an unreadable one at its offset', async () => {
    const store = new MemoryQuarantine();
    await quarantineOf(store).write([bad(7, 'splunk'), bad(7, 'elastic'), bad(7, 'splunk')]);
    await quarantineOf(store).write([bad(7, 'elastic'), bad(7)]);
    assert.deepEqual(store.entries.map((entry) => `${entry.offset}/${entry.destination ?? '-'}`).sort(), [
      '7/-',
      '7/elastic',
      '7/splunk',
    ]);
  });

  it('stores each entry once when two receivers of the same message quarantine it at once', async () => {
    const store = new MemoryQuarantine();
    const [a, b] = await Promise.all([
      quarantineOf(store).write([bad(1), bad(2)]),
      quarantineOf(store).write([bad(1), bad(2), bad(3)]),
    ]);
    assert.equal(a.length + b.length, 3);
    assert.deepEqual(offsetsIn(store), [1, 2, 3]);
  });

  it('are other files for other bytes under the same key (another ETag)', async () => {
    const store = new MemoryQuarantine();
    await quarantineOf(store, 'etag-1').write([bad(1)]);
    assert.equal((await quarantineOf(store, 'etag-2').write([bad(1)])).length, 1);
    assert.equal(store.files.size, 2);
  });

  it('fails (so the message retries) when a taken name keeps vanishing before it can be read', async () => {
    const store = new MemoryQuarantine();
    store.create = async () => false;
    await assert.rejects(
      quarantineOf(store).write([bad(1)]),
      (error: SluiceError) => error.code === 'QUARANTINE_CONFLICT',
    );
  });
});

describe('forwarding an object with bad records again', () => {
  const [first, second, third] = ndjson(activities(3)).toString().trim().split('\n');
  const body = Buffer.from(`${first}\n{"broken": \n${second}\nnot json\n${third}\n`);

  function dependencies(store: MemoryQuarantine, sink: RecordingSink): ForwardDependencies {
    return {
      source: { ...strongdmSource, format: 'ndjson' },
      logTypeFromKey: 'activities',
      destinations: [{ sink, maxInFlight: 2 }],
      objects: new MemoryObjects({ [KEY]: body }),
      quarantine: store,
      maxRecordBytes: 1024 * 1024,
      maxObjectBytes: 1024 * 1024 * 1024,
      now: () => 0,
      stopReadingAt: Number.POSITIVE_INFINITY,
      deliveryDeadline: Number.POSITIVE_INFINITY,
    };
  }

  it('quarantines and counts its unreadable lines once over six receives', async () => {
    const store = new MemoryQuarantine();
    const counted: number[] = [];
    for (let receive = 0; receive < 6; receive += 1) {
      const sink = new RecordingSink('splunk');
      // Down for the first five receives (an outage), then up (a redrive).
      if (receive < 5) sink.verdict = () => 'fail';
      const result = await forwardObject({ object }, dependencies(store, sink));
      counted.push(result.summary.unreadable);
    }
    // Reading stops early while the destination is down, so which receive reaches a line varies.
    assert.equal(
      counted.reduce((sum, count) => sum + count, 0),
      2,
      `counted per receive: ${counted.join(', ')}`,
    );
    assert.equal(store.entries.length, 2);
    assert.deepEqual(
      store.entries.map((entry) => entry.code),
      ['INVALID_JSON', 'INVALID_JSON'],
    );
  });

  it('quarantines and counts a refused record once per destination, however often it is refused', async () => {
    const store = new MemoryQuarantine();
    const counted: number[] = [];
    for (let receive = 0; receive < 3; receive += 1) {
      const sink = new RecordingSink('splunk');
      sink.verdict = (record) => (record.id === 'at-1' ? 'reject' : 'deliver');
      const result = await forwardObject({ object }, dependencies(store, sink));
      counted.push(result.summary.destinations.splunk.rejected);
    }
    assert.deepEqual(counted, [1, 0, 0]);
    const refused = store.entries.filter((entry) => entry.destination === 'splunk');
    assert.deepEqual(
      refused.map((entry) => entry.recordId),
      ['at-1'],
    );
  });

  describe('when the quarantine answers with a failure', () => {
    class FailingQuarantine extends MemoryQuarantine {
      constructor(private failures: number) {
        super();
      }

      override async create(name: string, body: string): Promise<boolean> {
        if (this.failures > 0) {
          this.failures -= 1;
          throw new Error('S3 PutObject: 503 SlowDown');
        }
        return super.create(name, body);
      }
    }

    // Enough unreadable lines that they are written while the object is still being read.
    const manyBadLines = () => Buffer.concat([Buffer.from('{x}\n'.repeat(5_000)), ndjson(activities(4))]);

    it('writes the bad records of a failed mid-object write at the next write: none is lost', async () => {
      const objects = new MemoryObjects({ [KEY]: manyBadLines() });
      objects.chunkSize = 64 * 1024;
      const quarantine = new FailingQuarantine(1);
      const sink = new RecordingSink('splunk');
      const { deps } = forwardDependencies(objects, [sink], { quarantine });
      const result = await forwardObject({ object }, deps);
      assert.equal(result.status, 'complete');
      assert.equal(result.summary.unreadable, 5_000);
      assert.equal(quarantine.entries.length, 5_000);
      assert.equal(sink.received.length, 4);
    });

    it('fails the message when the last write fails too (its retry reads the object again), not the object', async () => {
      const objects = new MemoryObjects({ [KEY]: manyBadLines() });
      objects.chunkSize = 64 * 1024;
      const quarantine = new FailingQuarantine(Number.POSITIVE_INFINITY);
      const { deps } = forwardDependencies(objects, [new RecordingSink('splunk')], { quarantine });
      await assert.rejects(forwardObject({ object }, deps), /503 SlowDown/);
    });
  });
});
