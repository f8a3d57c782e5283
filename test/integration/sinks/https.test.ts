import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import type { Sink } from '../../../lambda/core/sinks/types';
import { startCollectorReceiver, type CollectorReceiver } from '../../support/receivers';
import { context, fakeSecret, ids, makeRecord, makeRecords } from '../../unit/sinks/fixtures';
import { SECRET_ARN, deliverAll, httpsConfig, virtualTime } from './helpers';

describe('generic HTTPS sink against a collector', () => {
  let receiver: CollectorReceiver;
  const sinks: Sink[] = [];
  const sinkFor = (extra: Record<string, unknown> = {}, url = receiver.url) => {
    const sink = createSink(httpsConfig(url, { tokenSecretArn: SECRET_ARN, ...extra }), {
      secret: () => fakeSecret('bearer-1'),
      ...virtualTime(),
    });
    sinks.push(sink);
    return sink;
  };

  before(async () => {
    receiver = await startCollectorReceiver({ token: 'bearer-1' });
  });
  afterEach(() => {
    receiver.records.length = 0;
    for (const sink of sinks.splice(0)) sink.close?.();
  });
  after(() => receiver.close());

  it('posts every record as JSON arrays with the bearer token', async () => {
    const records = makeRecords(1_200);
    const outcome = await deliverAll(sinkFor(), records, context());
    assert.equal(outcome.delivered.length, 1_200);
    const bySeq = (value: unknown) => (value as { seq: number }).seq;
    // Batches travel in parallel: compare contents, not arrival order.
    assert.deepEqual(
      [...receiver.records].sort((a, b) => bySeq(a) - bySeq(b)),
      records.map((record) => record.value),
    );
    assert.equal(receiver.lastHeaders?.authorization, 'Bearer bearer-1');
  });

  it('retries 503 and resets; quarantines a batch the collector refuses with 415 (media type) whole', async () => {
    receiver.injectFaults({ status: 503, body: '' }, 'reset');
    assert.equal((await sinkFor().deliver(makeRecords(3), context())).delivered.length, 3);
    receiver.injectFaults({ status: 415, body: '{"error":"unsupported media type"}' });
    const refused = await sinkFor().deliver(makeRecords(3), context());
    assert.equal(refused.rejected.length, 3);
    assert.equal(refused.rejected[0].code, 'HTTPS_BATCH_REJECTED');
  });

  describe('a collector that refuses a request for one of its records (400)', () => {
    const MARKER = 'BAD-RECORD';
    let strict: CollectorReceiver;
    before(async () => {
      strict = await startCollectorReceiver({ token: 'bearer-1', refuseRecordsContaining: MARKER });
    });
    afterEach(() => {
      strict.records.length = 0;
      Object.assign(strict.counters, { requests: 0, records: 0, byStatus: {} });
    });
    after(() => strict.close());

    /** One batch (the default 500 records), with the marker in the records at `bad`. */
    const batchWith = (bad: readonly number[]) =>
      makeRecords(500).map((record, index) =>
        bad.includes(index)
          ? makeRecord({ id: record.id, seq: index, action: MARKER }, { offset: record.offset })
          : record,
      );
    const reason = `collector 400: {"error":"record 0 is invalid: it contains \\"${MARKER}\\""}`;

    it('quarantines only that record, with the collector’s answer; delivers the 499 others once', async () => {
      const batch = batchWith([321]);
      const outcome = await sinkFor({}, strict.url).deliver(batch, context());
      assert.deepEqual(
        outcome.rejected.map((rejection) => [rejection.record.id, rejection.code, rejection.reason]),
        [['rec-321', 'HTTPS_BATCH_REJECTED', reason]],
      );
      assert.equal(outcome.delivered.length, 499);
      assert.equal(outcome.failed.length, 0);
      const received = strict.records.map((record) => (record as { id: string }).id);
      assert.deepEqual(
        [...received].sort(),
        ids(batch)
          .filter((id) => id !== 'rec-321')
          .sort(),
        'every other record exactly once',
      );
      // The first request, then one refused and one accepted half per level: 1 + 2 × ⌈log2 500⌉.
      assert.ok(strict.counters.requests <= 19, `${strict.counters.requests} requests`);
    });

    it('retries a 503 inside the split, then isolates as usual', async () => {
      strict.injectFaults('ok', { status: 503, body: '' }, { status: 429, body: '' });
      const outcome = await sinkFor({}, strict.url).deliver(batchWith([7, 450]), context());
      assert.deepEqual(outcome.rejected.map((rejection) => rejection.record.id).sort(), ['rec-450', 'rec-7']);
      assert.equal(outcome.delivered.length, 498);
      assert.equal(strict.counters.byStatus[503], 1);
      assert.equal(strict.counters.byStatus[429], 1);
      assert.equal(strict.records.length, 498);
    });

    it('a collector that refuses every record: bounded requests, all quarantined with its answer', async () => {
      const batch = batchWith(Array.from({ length: 500 }, (_, index) => index));
      const outcome = await sinkFor({}, strict.url).deliver(batch, context());
      assert.equal(outcome.rejected.length, 500);
      assert.equal(outcome.delivered.length, 0);
      assert.ok(outcome.rejected.every((rejection) => rejection.reason.startsWith(reason)));
      // The first request and at most 4 × ⌈log2 500⌉ = 36 more, where halving to the end would cost 999.
      assert.ok(strict.counters.requests <= 37, `${strict.counters.requests} requests`);
      assert.equal(strict.records.length, 0);
    });
  });

  it('fails the batch on 404 (misconfigured URL) without quarantining it', async () => {
    receiver.injectFaults({ status: 404, body: 'not found' });
    const outcome = await sinkFor().deliver(makeRecords(3), context());
    assert.equal(outcome.failure?.code, 'HTTPS_REQUEST_REJECTED');
    assert.equal(outcome.failed.length, 3);
    assert.equal(outcome.rejected.length, 0);
  });
});
