import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardObject } from '../../../lambda/core/forward/forward-object';
import type { ObjectWork } from '../../../lambda/core/notifications/object-ref';
import {
  activities,
  forwardDependencies as dependencies,
  gzipped,
  MemoryObjects,
  ndjson,
  objectRef,
  RecordingSink,
  strongdmSource,
} from './fakes';

const KEY = 'sdm/logs/activities/2024/02/01/18/50/a.json';

const ids = (sink: RecordingSink) => sink.received.map((record) => record.id);

describe('forwarding one object', () => {
  it('delivers every record to every destination, in batches cut by count', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(8)) });
    const splunk = new RecordingSink('splunk');
    const elastic = new RecordingSink('elastic', 5);
    const { deps } = dependencies(objects, [splunk, elastic]);
    const result = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(result.status, 'complete');
    const expected = activities(8).map((_, index) => `at-${index}`);
    assert.deepEqual(ids(splunk), expected);
    assert.deepEqual(ids(elastic), expected);
    assert.deepEqual(splunk.batches, [3, 3, 2]);
    assert.deepEqual(elastic.batches, [5, 3]);
    assert.equal(result.summary.records, 8);
    assert.deepEqual(result.summary.destinations.splunk, { delivered: 8, rejected: 0, failed: 0 });
  });

  it('quarantines a line that is not JSON with its offset and still delivers its neighbours', async () => {
    const good = ndjson(activities(2)).toString();
    const [first, second] = good.trim().split('\n');
    const body = Buffer.from(`${first}\n{"broken": \n${second}\n`);
    const objects = new MemoryObjects({ [KEY]: body });
    const sink = new RecordingSink('splunk');
    const { deps, quarantine } = dependencies(objects, [sink]);
    const result = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(result.status, 'complete');
    assert.deepEqual(ids(sink), ['at-0', 'at-1']);
    assert.equal(quarantine.entries.length, 1);
    assert.equal(quarantine.entries[0].code, 'INVALID_JSON');
    assert.equal(quarantine.entries[0].offset, first.length + 1);
    assert.equal(Buffer.from(quarantine.entries[0].raw!).toString().trim(), '{"broken":');
  });

  it('quarantines a record a destination refuses for good, naming the destination', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(4)) });
    const sink = new RecordingSink('elastic');
    sink.verdict = (record) => (record.id === 'at-2' ? 'reject' : 'deliver');
    const { deps, quarantine } = dependencies(objects, [sink]);
    const result = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(result.status, 'complete');
    assert.deepEqual(ids(sink), ['at-0', 'at-1', 'at-3']);
    assert.equal(quarantine.entries.length, 1);
    assert.deepEqual(
      {
        destination: quarantine.entries[0].destination,
        recordId: quarantine.entries[0].recordId,
        code: quarantine.entries[0].code,
      },
      { destination: 'elastic', recordId: 'at-2', code: 'TEST_REJECTED' },
    );
    assert.match(quarantine.entries[0].record!, /"id":"at-2"/);
  });

  it('sends only the configured log types to a destination', async () => {
    const mixed = [...activities(2), { uuid: 'q-1', logType: 'queries', timestamp: '2024-02-01T13:13:20Z' }];
    const objects = new MemoryObjects({ [KEY]: ndjson(mixed) });
    const queriesOnly = new RecordingSink('queries-only');
    const { deps } = dependencies(objects, [queriesOnly]);
    const result = await forwardObject(
      { object: objectRef(KEY) },
      { ...deps, destinations: [{ sink: queriesOnly, maxInFlight: 1, logTypes: ['queries'] }] },
    );
    assert.equal(result.status, 'complete');
    assert.deepEqual(ids(queriesOnly), ['q-1']);
  });

  it('a failing destination never causes duplicates in a healthy one: each resumes where it stopped', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(7)) });
    const healthy = new RecordingSink('splunk');
    const flaky = new RecordingSink('elastic');
    flaky.verdict = (record) => (Number(record.id.slice(3)) >= 3 ? 'fail' : 'deliver');
    const { deps } = dependencies(objects, [healthy, flaky]);

    const first = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    assert.equal(first.reason, 'destination-failed');
    assert.equal(first.madeProgress, true);
    assert.equal(first.work.progress.splunk, 'done');
    assert.equal(typeof first.work.progress.elastic, 'number');
    assert.deepEqual(first.failures, [
      { destination: 'elastic', code: 'TEST_DOWN', message: 'destination down' },
    ]);

    flaky.verdict = () => 'deliver';
    const second = await forwardObject(first.work, deps);
    assert.equal(second.status, 'complete');
    assert.deepEqual(
      ids(healthy),
      activities(7).map((_, index) => `at-${index}`),
      'splunk got each record once',
    );
    assert.deepEqual(
      ids(flaky),
      activities(7).map((_, index) => `at-${index}`),
      'elastic got each record once',
    );
    assert.equal(
      objects.opens[1].fromByte,
      first.work.progress.elastic,
      'a plain object resumes with a ranged read',
    );
  });

  it('reports no progress when a destination fails from the first record', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(3)) });
    const down = new RecordingSink('splunk');
    down.verdict = () => 'fail';
    const { deps } = dependencies(objects, [down]);
    const result = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(result.status, 'incomplete');
    assert.equal(result.status === 'incomplete' && result.madeProgress, false);
    assert.deepEqual(result.status === 'incomplete' && result.work.progress, { splunk: 0 });
  });

  it('stops reading when time runs short and the continuation delivers the rest exactly once', async () => {
    const records = activities(10);
    for (const bytes of [ndjson(records), gzipped(ndjson(records))]) {
      const objects = new MemoryObjects({ [KEY]: bytes });
      const sink = new RecordingSink('elastic', 2);
      let clock = 0;
      const { deps } = dependencies(objects, [sink], { now: () => clock++, stopReadingAt: 5 });
      const first = await forwardObject({ object: objectRef(KEY) }, deps);
      assert.equal(first.status, 'incomplete');
      if (first.status !== 'incomplete') return;
      assert.equal(first.reason, 'deadline');
      assert.ok(sink.received.length > 0 && sink.received.length < 10);
      const second = await forwardObject(first.work, { ...deps, now: () => 0 });
      assert.equal(second.status, 'complete');
      assert.deepEqual(
        ids(sink),
        records.map((_, index) => `at-${index}`),
      );
      const gzip = bytes[0] === 0x1f;
      assert.equal(first.work.encoding, gzip ? 'gzip' : 'identity');
      assert.equal(
        objects.opens[1].fromByte > 0,
        !gzip,
        'gzip objects are re-read from the start and skipped',
      );
    }
  });

  it('does not read an object whose destinations are all done', async () => {
    const objects = new MemoryObjects({});
    const sink = new RecordingSink('splunk');
    const { deps } = dependencies(objects, [sink]);
    const work: ObjectWork = { object: objectRef(KEY), progress: { splunk: 'done' } };
    const result = await forwardObject(work, deps);
    assert.equal(result.status, 'complete');
    assert.equal(objects.opens.length, 0);
  });

  it('names the object when it cannot be read', async () => {
    const objects = new MemoryObjects({ [KEY]: gzipped(ndjson(activities(50))).subarray(0, 40) });
    const { deps } = dependencies(objects, [new RecordingSink('splunk')]);
    await assert.rejects(
      forwardObject({ object: objectRef(KEY) }, deps),
      (error: Error & { code?: string }) => {
        assert.match(error.message, /s3:\/\/acme-logs\/sdm\/logs\/activities/);
        assert.equal(error.code, 'OBJECT_TRUNCATED_GZIP');
        return true;
      },
    );
  });
});

describe('telling gzip from plain objects for a resume', () => {
  it('recognises gzip whose magic bytes arrive in separate one-byte chunks', async () => {
    const records = activities(6);
    const bytes = gzipped(ndjson(records));
    const objects = new MemoryObjects({ [KEY]: bytes });
    objects.chunkSize = 1;
    const sink = new RecordingSink('elastic', 2);
    let clock = 0;
    const { deps } = dependencies(objects, [sink], { now: () => clock++, stopReadingAt: 3 });
    const first = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    assert.equal(first.work.encoding, 'gzip');
    const second = await forwardObject(first.work, { ...deps, now: () => 0 });
    assert.equal(second.status, 'complete');
    assert.deepEqual(
      ids(sink),
      records.map((_, index) => `at-${index}`),
    );
    assert.equal(objects.opens[1].fromByte, 0);
  });
});

describe('quarantining many records', () => {
  it('writes entries in chunks while reading instead of holding them all', async () => {
    const lines = Array.from({ length: 12_000 }, (_, index) => `not json ${index}`).join('\n') + '\n';
    const objects = new MemoryObjects({ [KEY]: Buffer.from(lines) });
    objects.chunkSize = 64 * 1024;
    const sink = new RecordingSink('splunk');
    const { deps, quarantine } = dependencies(objects, [sink], {
      source: { ...strongdmSource, format: 'ndjson' },
    });
    const result = await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(result.status, 'complete');
    assert.equal(result.summary.unreadable, 12_000);
    assert.equal(quarantine.entries.length, 12_000);
    assert.ok(quarantine.writes >= 3, `${quarantine.writes} writes`);
  });
});

describe('a failed batch followed by batches that succeeded', () => {
  it('resumes at the failed records and never sends the later, delivered batches again', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(9)) });
    const splunk = new RecordingSink('splunk');
    splunk.verdict = (record) => (record.id === 'at-1' ? 'fail' : 'deliver');
    splunk.latency = (batch) => (batch.some((record) => record.id === 'at-1') ? 30 : 0);
    const { deps } = dependencies(objects, [splunk]);
    // Three batches of three go out together; only the first fails, and it answers last.
    const first = await forwardObject(
      { object: objectRef(KEY) },
      { ...deps, destinations: [{ sink: splunk, maxInFlight: 3 }] },
    );
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    const position = first.work.progress.splunk;
    assert.equal(typeof position, 'object');
    splunk.verdict = () => 'deliver';
    const second = await forwardObject(first.work, {
      ...deps,
      destinations: [{ sink: splunk, maxInFlight: 3 }],
    });
    assert.equal(second.status, 'complete');
    const received = ids(splunk).sort();
    assert.deepEqual(
      received,
      activities(9)
        .map((_, index) => `at-${index}`)
        .sort(),
      'each record exactly once',
    );
  });
});

describe('the memory a waiting record holds', () => {
  // Records far apart in one large object, so that each chunk holds several.
  const mixed = () =>
    ndjson(
      Array.from({ length: 400 }, (_, index) => ({
        id: `r-${index}`,
        logType: index % 10 === 0 ? 'queries' : 'activities',
        filler: 'x'.repeat(200),
      })),
    );

  it('is a view of the chunk it was read from while every record of the chunk is kept', async () => {
    const body = mixed();
    const objects = new MemoryObjects({ [KEY]: body });
    objects.chunkSize = 16 * 1024;
    const sink = new RecordingSink('splunk', 1_000);
    const { deps } = dependencies(objects, [sink]);
    await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(sink.received.length, 400);
    // A line cut by a chunk boundary is joined into a buffer of its own; every other one is a view.
    const chunkOf = (offset: number) => Math.floor(offset / objects.chunkSize);
    for (const record of sink.received) {
      const inOneChunk = chunkOf(record.offset) === chunkOf(record.offset + record.bytes.length);
      assert.equal(record.bytes.buffer === body.buffer, inOneChunk, record.id);
    }
  });

  it('is a copy of its own when other records of its chunk were dropped (a logTypes filter)', async () => {
    const body = mixed();
    const objects = new MemoryObjects({ [KEY]: body });
    objects.chunkSize = 16 * 1024;
    const queriesOnly = new RecordingSink('splunk', 1_000);
    const { deps } = dependencies(objects, [queriesOnly], {
      destinations: [{ sink: queriesOnly, maxInFlight: 1, logTypes: ['queries'] }],
    });
    await forwardObject({ object: objectRef(KEY) }, deps);
    assert.equal(queriesOnly.received.length, 40);
    assert.ok(queriesOnly.received.every((record) => record.bytes.buffer !== body.buffer));
    assert.deepEqual(
      queriesOnly.received.map((record) => (JSON.parse(record.json) as { id: string }).id),
      Array.from({ length: 40 }, (_, index) => `r-${index * 10}`),
    );
  });
});

describe('a line that is not valid UTF-8', () => {
  it('goes out as decoded, with U+FFFD for the bad bytes, as every destination accepts', async () => {
    const body = Buffer.concat([
      Buffer.from('{"id":"bad","text":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
    ]);
    const objects = new MemoryObjects({ [KEY]: body });
    const sink = new RecordingSink('splunk');
    const { deps } = dependencies(objects, [sink]);
    await forwardObject({ object: objectRef(KEY) }, deps);
    const [record] = sink.received;
    assert.equal(record.json, '{"id":"bad","text":"\ufffd\ufffd"}');
    assert.deepEqual(record.bytes, Buffer.from(record.json));
  });
});
