import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { vendorObjects } from '../../../bench/data/objects';
import { seededRandom } from '../../../bench/data/random';
import { recordMarker } from '../../../bench/data/strongdm';
import type { HecEvent } from '../../support/receivers';
import { describeLedger } from './support/ledger';
import { startScenario, type Scenario } from './support/scenario';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 6001;

/**
 * Many objects, three workers, and destinations that misbehave the way real ones do: busy answers
 * (HEC code 9 / 503), connection resets, answers lost after indexing, answers slower than the
 * request timeout, per-item 429s from Elasticsearch, and HEC refusing one event of a request
 * (indexing the ones before it). Every record must end up delivered or quarantined with a reason;
 * Elasticsearch must hold each record exactly once; Splunk may hold a record twice only when an
 * answer carrying it was lost.
 */
describe('fault injection: flaky destinations under concurrent workers', () => {
  let scenario: Scenario;
  // HEC refuses about one event in 400 as invalid (partial acceptance): seeded draws, remembered.
  const refuse = seededRandom(SEED + 10);
  const refused = new Set<string>();
  const invalidEvent = (event: HecEvent) => {
    if (!refuse.chance(0.0025)) return false;
    refused.add(recordMarker(event.event as Record<string, unknown>));
    return true;
  };

  before(async () => {
    scenario = await startScenario({
      seed: SEED,
      maxReceiveCount: 10,
      hec: { invalidEvent },
      bulk: { itemRejectionProbability: 0.05 },
      hecFaults: { probabilities: { busy: 0.1, reset: 0.06, lost: 0.06, slow: 0.04 }, slowMs: 1_200 },
      esFaults: { probabilities: { busy: 0.1, reset: 0.06, lost: 0.06, slow: 0.04 }, slowMs: 1_200 },
    });
  });
  after(async () => scenario.stop());

  it('delivers every record, Elasticsearch exactly once, Splunk duplicates only for lost answers', async (t) => {
    const objects = vendorObjects({
      seed: SEED,
      objects: 24,
      recordsPerObject: 150,
      format: (index) => (index % 3 === 2 ? 'pretty' : 'ndjson'),
      gzip: (index) => index % 2 === 1,
    });
    await scenario.put(objects);

    const stats = await drainWithWorkers(scenario.pipeline.sqs, scenario.pipeline.queueUrl, {
      // Small batches and a 1 s request timeout: many requests, so every fault happens many times.
      handlers: scenario.handlers(3, { maxBatchRecords: 40, maxConcurrency: 2, requestTimeoutSeconds: 1 }),
      remainingMs: 12_000,
      timeoutMs: 300_000,
    });
    const ledger = await scenario.ledger();
    const { hecProxy, esProxy } = scenario;
    t.diagnostic(describeLedger(ledger));
    t.diagnostic(
      `objects ${objects.length}, workers 3, invocations ${stats.invocations}, messages received ${stats.received} (failed ${stats.failed}, continuations ${stats.continuationsReceived}); ` +
        `HEC proxy faults ${JSON.stringify(hecProxy.counters.byFault)}; _bulk proxy faults ${JSON.stringify(esProxy.counters.byFault)}; ` +
        `HEC events refused ${scenario.hec.counters.eventsRefused}, _bulk items answered 429 ${scenario.bulk.counters.itemRejections}`,
    );

    // The faults really happened.
    for (const proxy of [hecProxy, esProxy]) {
      for (const fault of ['busy', 'reset', 'lost', 'slow'] as const)
        assert.ok(proxy.counters.byFault[fault] > 0, fault);
    }
    assert.ok(refused.size > 0, 'HEC refused some events');
    assert.ok(scenario.bulk.counters.itemRejections > 0, 'Elasticsearch rejected some items with 429');

    assert.equal(ledger.sent, 24 * 150);
    assert.equal(
      ledger.splunk.lost,
      0,
      `lost in Splunk: ${ledger.splunk.lostMarkers.slice(0, 5).join(', ')}`,
    );
    assert.equal(
      ledger.elastic.lost,
      0,
      `lost in Elasticsearch: ${ledger.elastic.lostMarkers.slice(0, 5).join(', ')}`,
    );
    assert.equal(ledger.elastic.duplicates, 0, 'Elasticsearch holds each record once');
    assert.equal(ledger.elastic.quarantined, 0, 'no Elasticsearch fault here is the record’s fault');
    // Splunk: only events HEC refused are quarantined, and only lost answers cause duplicates.
    assert.ok(ledger.splunk.quarantined > 0);
    for (const marker of ledger.splunk.quarantinedMarkers)
      assert.ok(refused.has(marker), `${marker} quarantined but never refused`);
    for (const [marker, copies] of ledger.splunk.duplicateMarkers) {
      assert.ok(
        copies - 1 <= (hecProxy.lostMarkers.get(marker) ?? 0),
        `${marker}: ${copies} copies, not explained by a lost answer`,
      );
    }
    assert.ok(ledger.splunk.duplicates <= ledger.lostAnswers);
    assert.equal(ledger.misattributed, 0, 'every HEC event names its own object and log type');
    assert.equal(
      await messageCount(scenario.pipeline.sqs, scenario.pipeline.deadLetterQueueUrl),
      0,
      'nothing in the DLQ',
    );
  });
});
