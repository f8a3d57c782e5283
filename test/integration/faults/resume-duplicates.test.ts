import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { vendorObjects } from '../../../bench/data/objects';
import { describeLedger } from './support/ledger';
import { startScenario, type Scenario } from './support/scenario';
import { drainWithWorkers, invokeOnce } from './support/workers';

const SEED = 6004;

/**
 * docs/delivery.md, "Delivery guarantees": Splunk receives a record twice only when a response was lost
 * after it indexed the record. With more than one batch in flight, a batch can fail (here: HEC busy until the
 * deadline) while the batches after it succeed; the continuation must resume at the failed batch and
 * skip the ranges that did arrive, not send them again.
 */
describe('fault injection: a resume point with delivered batches after it', () => {
  let scenario: Scenario;
  let blockFirstBatch = true;
  let firstMarker = '';

  before(async () => {
    scenario = await startScenario({
      seed: SEED,
      // HEC is busy for the batch holding the object's first record, during the first invocation only.
      hecFaults: {
        decide: (markers) => (blockFirstBatch && markers.includes(firstMarker) ? 'busy' : 'pass'),
      },
    });
  });
  after(async () => scenario.stop());

  it('does not send Splunk the batches that succeeded after a failed one again', async (t) => {
    const [object] = vendorObjects({
      seed: SEED,
      objects: 1,
      recordsPerObject: 150,
      format: 'ndjson',
      gzip: false,
    });
    firstMarker = object.markers[0];
    await scenario.put([object]);
    const tuning = { maxBatchRecords: 50, maxConcurrency: 2 };
    // One invocation: batch 1 stays busy until the deadline, batches 2 and 3 are indexed; Elasticsearch
    // gets everything, so the object continues in a message with Splunk's resume point.
    const [handler] = scenario.handlers(1, tuning);
    const first = await invokeOnce(scenario.pipeline.sqs, scenario.pipeline.queueUrl, handler, 1_500);
    blockFirstBatch = false;
    const rest = await drainWithWorkers(scenario.pipeline.sqs, scenario.pipeline.queueUrl, {
      handlers: scenario.handlers(1, tuning),
      remainingMs: 10_000,
      timeoutMs: 300_000,
    });
    const ledger = await scenario.ledger();
    t.diagnostic(describeLedger(ledger));
    t.diagnostic(
      `first invocation: ${first.received} messages, ${first.failed} failed; then ${rest.continuationsReceived} continuation(s)`,
    );

    assert.equal(rest.continuationsReceived, 1, 'the object continued in a new message');
    assert.equal(ledger.splunk.lost, 0);
    assert.equal(ledger.elastic.duplicates, 0);
    assert.equal(ledger.lostAnswers, 0, 'no answer was lost');
    assert.equal(ledger.splunk.duplicates, 0, 'so Splunk must not hold any record twice');
  });
});
