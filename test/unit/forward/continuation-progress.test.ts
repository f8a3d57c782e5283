import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardObject, type ForwardDependencies } from '../../../lambda/core/forward/forward-object';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { BatchOutcome } from '../../../lambda/core/sinks/types';
import {
  activities,
  MemoryObjects,
  MemoryQuarantine,
  ndjson,
  objectRef,
  RecordingSink,
  strongdmSource,
} from './fakes';

const KEY = 'sdm/logs/activities/2024/02/01/18/50/a.json';

function dependencies(objects: MemoryObjects, sink: RecordingSink, maxInFlight = 1): ForwardDependencies {
  return {
    source: strongdmSource,
    logTypeFromKey: 'activities',
    destinations: [{ sink, maxInFlight }],
    objects,
    quarantine: new MemoryQuarantine(),
    maxRecordBytes: 1024 * 1024,
    maxObjectBytes: 1024 * 1024 * 1024,
    now: () => 0,
    stopReadingAt: Number.POSITIVE_INFINITY,
    deliveryDeadline: Number.POSITIVE_INFINITY,
  };
}

const ids = (sink: RecordingSink) => sink.received.map((record) => record.id);

/** Holds every answer until `count` batches were sent, so they are all in flight when one fails. */
function answerOnceSent(sink: RecordingSink, count: number): void {
  let sent = 0;
  let release = () => undefined as void;
  const allSent = new Promise<void>((resolve) => (release = resolve));
  const deliver = sink.deliver.bind(sink);
  sink.deliver = async (batch) => {
    sent += 1;
    if (sent === count) release();
    await allSent;
    return deliver(batch);
  };
}
const indexOf = (record: OutboundRecord) => Number(record.id.slice(3));

describe('the ranges a continuation skips', () => {
  // Like a `_bulk` answer refusing one item with 429 and accepting the 249 others.
  it('are one range for the records delivered one after another, not one per record', async () => {
    const body = ndjson(activities(250));
    const objects = new MemoryObjects({ [KEY]: body });
    objects.chunkSize = 1 << 20;
    // Three batches (100, 100, 50), all in flight when the first answer comes.
    const elastic = new RecordingSink('elastic', 100);
    answerOnceSent(elastic, 3);
    elastic.verdict = (record) => (indexOf(record) === 10 ? 'fail' : 'deliver');

    const first = await forwardObject({ object: objectRef(KEY) }, dependencies(objects, elastic, 3));
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    const offsets = ndjsonOffsets(body);
    assert.deepEqual(first.work.progress.elastic, {
      resumeAt: offsets[10],
      skip: [[offsets[11], offsets[249] + 1]],
    });

    elastic.verdict = () => 'deliver';
    const second = await forwardObject(first.work, dependencies(objects, elastic));
    assert.equal(second.status, 'complete');
    assert.deepEqual(
      ids(elastic).sort(),
      activities(250)
        .map((_, index) => `at-${index}`)
        .sort(),
      'each record exactly once',
    );
  });

  it('end at each record that did not arrive', async () => {
    const body = ndjson(activities(250));
    const objects = new MemoryObjects({ [KEY]: body });
    objects.chunkSize = 1 << 20;
    // Three batches (100, 100, 50), all in flight when the first answer comes.
    const elastic = new RecordingSink('elastic', 100);
    answerOnceSent(elastic, 3);
    const refused = new Set([10, 150, 151]);
    elastic.verdict = (record) => (refused.has(indexOf(record)) ? 'fail' : 'deliver');

    const first = await forwardObject({ object: objectRef(KEY) }, dependencies(objects, elastic, 3));
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    const offsets = ndjsonOffsets(body);
    assert.deepEqual(first.work.progress.elastic, {
      resumeAt: offsets[10],
      skip: [
        [offsets[11], offsets[149] + 1],
        [offsets[152], offsets[249] + 1],
      ],
    });

    elastic.verdict = () => 'deliver';
    const second = await forwardObject(first.work, dependencies(objects, elastic));
    assert.equal(second.status, 'complete');
    assert.equal(new Set(ids(elastic)).size, 250);
    assert.equal(ids(elastic).length, 250, 'each record exactly once');
  });
});

describe('the reason a continuation gives', () => {
  it('is "deadline" when every failure was the deadline, not a destination failure', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(9)) });
    const splunk = new RecordingSink('splunk');
    // The first batch is answered; the others find no time left before the deadline.
    const deliver = splunk.deliver.bind(splunk);
    splunk.deliver = async (batch): Promise<BatchOutcome> => {
      if (indexOf(batch[0]) === 0) return deliver(batch);
      return {
        delivered: [],
        rejected: [],
        failed: batch,
        failure: { code: 'DELIVERY_DEADLINE', message: 'splunk: no time left to send the batch' },
      };
    };
    const result = await forwardObject({ object: objectRef(KEY) }, dependencies(objects, splunk));
    assert.equal(result.status, 'incomplete');
    if (result.status !== 'incomplete') return;
    assert.equal(result.madeProgress, true);
    assert.equal(result.reason, 'deadline');
  });

  it('is "destination-failed" when a destination failed records itself', async () => {
    const objects = new MemoryObjects({ [KEY]: ndjson(activities(9)) });
    const splunk = new RecordingSink('splunk');
    splunk.verdict = (record) => (indexOf(record) >= 3 ? 'fail' : 'deliver');
    const result = await forwardObject({ object: objectRef(KEY) }, dependencies(objects, splunk));
    assert.equal(result.status === 'incomplete' && result.reason, 'destination-failed');
  });
});

/** The byte offset of each line of an NDJSON body. */
function ndjsonOffsets(body: Buffer): number[] {
  const offsets = [0];
  for (
    let index = body.indexOf(0x0a);
    index >= 0 && index < body.length - 1;
    index = body.indexOf(0x0a, index + 1)
  )
    offsets.push(index + 1);
  return offsets;
}

describe('a continuation of a records-array object (CloudTrail)', () => {
  it('reads a plain document again from its first byte, skipping what each destination has', async () => {
    const key = 'cloudtrail/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/01/x.json';
    const records = activities(5);
    const body = Buffer.from(JSON.stringify({ Records: records }));
    const objects = new MemoryObjects({ [key]: body });
    const sink = new RecordingSink('elastic', 100);
    const deps = {
      ...dependencies(objects, sink),
      source: { ...strongdmSource, format: 'records-array' as const },
    };
    // Records 0 and 1 were delivered by an earlier invocation, which saw a plain (identity) object.
    const resumeAt = body.indexOf(JSON.stringify(records[2]));
    const result = await forwardObject(
      { object: objectRef(key), progress: { elastic: resumeAt }, encoding: 'identity' },
      deps,
    );
    assert.equal(result.status, 'complete');
    assert.deepEqual(ids(sink), ['at-2', 'at-3', 'at-4']);
    assert.deepEqual(objects.opens, [{ key, fromByte: 0 }], 'no ranged read into the middle of the document');
  });
});
