import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { vendorObjects } from '../../../bench/data/objects';
import { describeLedger } from './support/ledger';
import { startScenario, type Scenario } from './support/scenario';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 6003;

/**
 * Objects too long for one invocation against slow destinations: the forwarder stops reading when
 * its time runs short, lets in-flight requests finish, and hands each object over to a continuation
 * message carrying every destination's offset. Plain objects resume with a ranged GET, gzip objects
 * are read again and skip what was delivered; pretty-printed records resume at their first byte.
 */
describe('fault injection: the forwarder stopped mid-object by its deadline', () => {
  let scenario: Scenario;

  before(async () => {
    // Nine batches of 150 ms per object and destination outlast an invocation's 1.35 s of delivery on
    // any machine: each invocation runs one object at a time (one request in flight), so every object
    // needs more than one.
    scenario = await startScenario({ seed: SEED, hecFaults: { delayMs: 150 }, esFaults: { delayMs: 150 } });
  });
  after(async () => scenario.stop());

  it('continues every object where each destination stopped: Elasticsearch exactly once, nothing lost', async (t) => {
    const objects = vendorObjects({
      seed: SEED,
      objects: 6,
      recordsPerObject: 900,
      format: (index) => (index < 3 ? 'ndjson' : 'pretty'),
      gzip: (index) => index % 3 === 1,
    });
    await scenario.put(objects);
    const stats = await drainWithWorkers(scenario.pipeline.sqs, scenario.pipeline.queueUrl, {
      // One request at a time per destination, in order: every batch sent was delivered before the
      // next one left, so a resume point never has delivered records after it.
      handlers: scenario.handlers(2, { maxBatchRecords: 100, maxConcurrency: 1 }),
      remainingMs: 1_500,
      timeoutMs: 300_000,
    });
    const ledger = await scenario.ledger();
    t.diagnostic(describeLedger(ledger));
    t.diagnostic(
      `objects ${objects.length}, workers 2, invocations ${stats.invocations}, continuations ${stats.continuationsReceived} (objects resumed: ${stats.resumedKeys.size}), failed ${stats.failed}`,
    );

    assert.equal(stats.resumedKeys.size, objects.length, 'every object needed more than one invocation');
    assert.equal(ledger.sent, 6 * 900);
    assert.equal(ledger.splunk.lost, 0);
    assert.equal(ledger.elastic.lost, 0);
    assert.equal(ledger.elastic.duplicates, 0, 'Elasticsearch holds each record once');
    // A request cut by the deadline after Splunk indexed it is a lost answer: the only duplicates.
    for (const [marker, copies] of ledger.splunk.duplicateMarkers) {
      assert.ok(
        copies - 1 <= (scenario.hecProxy.lostMarkers.get(marker) ?? 0),
        `${marker}: ${copies} copies`,
      );
    }
    assert.equal(ledger.misattributed, 0);
    assert.equal(await messageCount(scenario.pipeline.sqs, scenario.pipeline.deadLetterQueueUrl), 0);
  });
});
