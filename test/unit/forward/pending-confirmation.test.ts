import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DestinationPipeline } from '../../../lambda/core/forward/destination-pipeline';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { BatchOutcome, Sink } from '../../../lambda/core/sinks/types';
import { makeRecords } from '../sinks/fixtures';

/**
 * A destination that takes every batch at once and confirms it later (Splunk indexer acknowledgement):
 * the test decides when, and how, each batch is confirmed.
 */
class ConfirmingSink implements Sink {
  readonly name = 'splunk';
  readonly maxBatchBytes = 1_000_000;
  readonly maxBatchRecords = 3;
  readonly sent: (readonly OutboundRecord[])[] = [];
  private readonly confirmations: ((outcome: BatchOutcome | Error) => void)[] = [];

  encodedSize(record: OutboundRecord): number {
    return record.json.length + 1;
  }

  async deliver(batch: readonly OutboundRecord[]): Promise<BatchOutcome> {
    this.sent.push(batch);
    const confirmed = new Promise<BatchOutcome>((resolve, reject) =>
      this.confirmations.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome))),
    );
    return { delivered: [], rejected: [], failed: [], pending: { records: batch, confirmed } };
  }

  /** Confirms batch `index` as acknowledged. */
  acknowledge(index: number): void {
    this.confirmations[index]({ delivered: this.sent[index], rejected: [], failed: [] });
  }

  /** Ends batch `index` unconfirmed, as at the deadline. */
  giveUp(index: number): void {
    this.confirmations[index]({
      delivered: [],
      rejected: [],
      failed: this.sent[index],
      failure: { code: 'HEC_NOT_ACKNOWLEDGED', message: 'not acknowledged by the deadline' },
    });
  }

  crash(index: number): void {
    this.confirmations[index](new Error('bug in the sink'));
  }
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

function pipelineFor(sink: Sink, maxInFlight = 1): DestinationPipeline {
  return new DestinationPipeline({
    sink,
    resumeAt: 0,
    maxInFlight,
    deadline: () => Number.POSITIVE_INFINITY,
  });
}

describe('DestinationPipeline with records awaiting confirmation', () => {
  it('counts records as delivered only once confirmed, and finish() waits for the confirmations', async () => {
    const sink = new ConfirmingSink();
    const pipeline = pipelineFor(sink);
    for (const record of makeRecords(6)) await pipeline.push(record);
    const finished = pipeline.finish(undefined);
    assert.equal(await settled(finished), false, 'finish waits for the confirmations');
    assert.equal(pipeline.tally.delivered, 0, 'accepted is not delivered');
    sink.acknowledge(0);
    assert.equal(await settled(finished), false);
    assert.equal(pipeline.tally.delivered, 3);
    sink.acknowledge(1);
    assert.equal(await finished, 'done');
    assert.deepEqual(pipeline.tally, { delivered: 6, rejected: 0, failed: 0 });
    assert.equal(pipeline.attempted, true);
  });

  it('a batch awaiting confirmation frees its request slot: the next batches go out meanwhile', async () => {
    const sink = new ConfirmingSink();
    const pipeline = pipelineFor(sink, 1);
    const pushing = (async () => {
      for (const record of makeRecords(9)) await pipeline.push(record);
    })();
    assert.equal(await settled(pushing), true, 'no batch waited for another one’s confirmation');
    assert.equal(sink.sent.length, 3);
    assert.equal(pipeline.tally.delivered, 0);
    for (const index of [0, 1, 2]) sink.acknowledge(index);
    assert.equal(await pipeline.finish(undefined), 'done');
  });

  it('never resumes past an unconfirmed batch: it starts again there, skipping the confirmed ones after it', async () => {
    const sink = new ConfirmingSink();
    const pipeline = pipelineFor(sink, 3);
    const records = makeRecords(9); // offsets 0, 100, … 800; batches of 3
    for (const record of records) await pipeline.push(record);
    const finished = pipeline.finish(undefined);
    sink.acknowledge(2);
    sink.giveUp(1);
    sink.acknowledge(0);
    assert.deepEqual(await finished, { resumeAt: 300, skip: [[600, 801]] });
    assert.deepEqual(pipeline.tally, { delivered: 6, rejected: 0, failed: 3 });
    assert.equal(pipeline.failure?.code, 'HEC_NOT_ACKNOWLEDGED');
  });

  it('an unconfirmed first batch: everything is sent again from the start, later confirmed batches skipped', async () => {
    const sink = new ConfirmingSink();
    const pipeline = pipelineFor(sink, 2);
    for (const record of makeRecords(6)) await pipeline.push(record);
    const finished = pipeline.finish(undefined);
    sink.giveUp(0);
    sink.acknowledge(1);
    assert.deepEqual(await finished, { resumeAt: 0, skip: [[300, 501]] });
  });

  it('a confirmation that throws (a bug) fails its records instead of losing them', async () => {
    const sink = new ConfirmingSink();
    const pipeline = pipelineFor(sink);
    for (const record of makeRecords(3)) await pipeline.push(record);
    const finished = pipeline.finish(undefined);
    sink.crash(0);
    assert.equal(await finished, 0);
    assert.deepEqual(pipeline.tally, { delivered: 0, rejected: 0, failed: 3 });
    assert.equal(pipeline.failure?.code, 'SINK_CRASHED');
  });
});
