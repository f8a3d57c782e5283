import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import type { Sink } from '../../../lambda/core/sinks/types';
import { startCollectorReceiver, type CollectorReceiver } from '../../support/receivers';
import { context, fakeSecret, makeRecords } from '../../unit/sinks/fixtures';
import { SECRET_ARN, deliverAll, httpsConfig, virtualTime } from './helpers';

describe('generic HTTPS sink against a collector', () => {
  let receiver: CollectorReceiver;
  const sinks: Sink[] = [];
  const sinkFor = (extra: Record<string, unknown> = {}) => {
    const sink = createSink(httpsConfig(receiver.url, { tokenSecretArn: SECRET_ARN, ...extra }), {
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

  it('retries 503 and resets; quarantines a batch the collector refuses with 422', async () => {
    receiver.injectFaults({ status: 503, body: '' }, 'reset');
    assert.equal((await sinkFor().deliver(makeRecords(3), context())).delivered.length, 3);
    receiver.injectFaults({ status: 422, body: '{"error":"schema"}' });
    const refused = await sinkFor().deliver(makeRecords(3), context());
    assert.equal(refused.rejected.length, 3);
    assert.equal(refused.rejected[0].code, 'HTTPS_BATCH_REJECTED');
  });

  it('fails the batch on 404 (misconfigured URL) without quarantining it', async () => {
    receiver.injectFaults({ status: 404, body: 'not found' });
    const outcome = await sinkFor().deliver(makeRecords(3), context());
    assert.equal(outcome.failure?.code, 'HTTPS_REQUEST_REJECTED');
    assert.equal(outcome.failed.length, 3);
    assert.equal(outcome.rejected.length, 0);
  });
});
