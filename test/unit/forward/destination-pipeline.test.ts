import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DestinationPipeline } from '../../../lambda/core/forward/destination-pipeline';
import { makeRecords } from '../sinks/fixtures';
import { RecordingSink } from './fakes';

function pipelineFor(sink: RecordingSink, maxInFlight: number): DestinationPipeline {
  return new DestinationPipeline({
    sink,
    resumeAt: 0,
    maxInFlight,
    deadline: () => Number.POSITIVE_INFINITY,
  });
}

describe('DestinationPipeline.push', () => {
  it('asks the caller to wait only once the destination has its maximum of batches in flight', async () => {
    const sink = new RecordingSink('splunk', 2);
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    sink.latency = () => 0;
    const slowDeliver = sink.deliver.bind(sink);
    sink.deliver = async (batch) => {
      await answered;
      return slowDeliver(batch);
    };
    const pipeline = pipelineFor(sink, 2);
    const records = makeRecords(6);
    // Two full batches go out without waiting; the fifth record fills a third batch that must wait.
    const waits = records.slice(0, 6).map((record) => pipeline.push(record));
    assert.deepEqual(
      waits.map((wait) => wait !== undefined),
      [false, false, false, false, false, true],
    );
    answer();
    await waits[5];
    assert.equal(await pipeline.finish(undefined), 'done');
    assert.deepEqual(
      sink.received.map((record) => record.id),
      records.map((record) => record.id),
    );
  });

  it('starts a new batch when a record would not fit, and keeps the record', async () => {
    const sink = new RecordingSink('splunk', 100, 30);
    const pipeline = pipelineFor(sink, 1);
    const records = makeRecords(3); // about 20 bytes each: one per batch
    for (const record of records) await pipeline.push(record);
    assert.equal(await pipeline.finish(undefined), 'done');
    assert.deepEqual(sink.batches, [1, 1, 1]);
    assert.deepEqual(
      sink.received.map((record) => record.id),
      records.map((record) => record.id),
    );
  });
});

describe('DestinationPipeline.finish', () => {
  it('keeps the part of an earlier skip range that lies after where reading stopped', async () => {
    // Records in [100, 200) reached this destination in an earlier pass; reading stops at 150,
    // inside that range (another destination still wanted those records).
    const pipeline = new DestinationPipeline({
      sink: new RecordingSink('splunk', 10),
      resumeAt: 0,
      skip: [[100, 200]],
      maxInFlight: 1,
      deadline: () => Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(await pipeline.finish(150), { resumeAt: 150, skip: [[150, 200]] });
  });

  it('drops earlier skip ranges that end before the resume point', async () => {
    const pipeline = new DestinationPipeline({
      sink: new RecordingSink('splunk', 10),
      resumeAt: 0,
      skip: [
        [10, 20],
        [300, 400],
      ],
      maxInFlight: 1,
      deadline: () => Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(await pipeline.finish(150), { resumeAt: 150, skip: [[300, 400]] });
  });
});
