import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { vendorObjects } from '../../../bench/data/objects';
import { describeLedger } from './support/ledger';
import { startScenario, type Scenario } from './support/scenario';
import { redrive } from '../../../cli/redrive/redrive';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 6002;
const MAX_RECEIVE_COUNT = 3;

/**
 * A destination that stays down longer than the retry budget: the messages end in the DLQ (nothing
 * is lost, nothing is acknowledged early); once it is back, re-driving the DLQ delivers everything,
 * Elasticsearch holds each record once, and the destination that stayed up is not sent anything twice.
 *
 * The re-drive is `sluice redrive`'s own module. moto has no StartMessageMoveTask, so it takes its
 * fallback path: receive from the DLQ, send to the object queue, delete what was sent.
 */
describe('fault injection: destination down, DLQ, re-drive', () => {
  let scenario: Scenario;

  before(async () => {
    scenario = await startScenario({ seed: SEED, maxReceiveCount: MAX_RECEIVE_COUNT });
  });
  after(async () => scenario.stop());

  it('parks every undeliverable message in the DLQ, then delivers every record once after re-drive', async (t) => {
    const { pipeline, hecProxy, esProxy } = scenario;
    const handlers = scenario.handlers(3, { maxBatchRecords: 50, requestTimeoutSeconds: 1 });
    // Short invocations: the retry budget (the delivery deadline) runs out in about a second.
    const drain = () =>
      drainWithWorkers(pipeline.sqs, pipeline.queueUrl, { handlers, remainingMs: 1_500, timeoutMs: 300_000 });

    // 1. Elasticsearch is down, Splunk is up: Splunk gets everything, the rest waits in the DLQ.
    esProxy.setDown(true);
    const esDown = vendorObjects({
      seed: SEED,
      objects: 12,
      recordsPerObject: 80,
      format: (index) => (index % 4 === 3 ? 'pretty' : 'ndjson'),
      gzip: (index) => index % 2 === 0,
    });
    await scenario.put(esDown);
    const firstOutage = await drain();

    // 2. Both are down: the notifications themselves end in the DLQ.
    hecProxy.setDown(true);
    const bothDown = vendorObjects({
      seed: SEED + 1,
      objects: 4,
      recordsPerObject: 60,
      format: 'ndjson',
      gzip: false,
    });
    await scenario.put(bothDown);
    const secondOutage = await drain();

    const parked = await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl);
    const duringOutage = await scenario.ledger();
    t.diagnostic(
      `outage: ${firstOutage.received + secondOutage.received} messages received, ${firstOutage.failed + secondOutage.failed} failed attempts, ` +
        `${firstOutage.continuationsReceived} continuations received; DLQ holds ${parked}; Splunk held ${duringOutage.splunk.delivered}, Elasticsearch ${duringOutage.elastic.delivered}`,
    );
    // One message per object: a continuation (Splunk done, Elasticsearch at 0) or the notification.
    assert.equal(parked, esDown.length + bothDown.length);
    assert.equal(duringOutage.splunk.delivered, 12 * 80, 'Splunk received the objects it could');
    assert.equal(duringOutage.elastic.delivered, 0);

    // 3. Both are back; re-drive the DLQ to the object queue and let the workers run.
    hecProxy.setDown(false);
    esProxy.setDown(false);
    const report = await redrive(pipeline.sqs, {
      deadLetterQueueUrl: pipeline.deadLetterQueueUrl,
      targetQueueUrl: pipeline.queueUrl,
    });
    const afterRedrive = await drain();
    const ledger = await scenario.ledger();
    t.diagnostic(
      `re-drive (${report.method}${report.fallbackReason ? `: ${report.fallbackReason}` : ''}): moved ${report.moved} messages; ${afterRedrive.received} received, ${afterRedrive.failed} failed`,
    );
    t.diagnostic(describeLedger(ledger));

    assert.equal(report.moved, parked);
    assert.equal(report.sendFailures + report.deleteFailures, 0);
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0, 'the DLQ is empty');
    assert.equal(ledger.sent, 12 * 80 + 4 * 60);
    assert.equal(ledger.splunk.lost, 0);
    assert.equal(ledger.elastic.lost, 0);
    assert.equal(ledger.elastic.duplicates, 0, 'Elasticsearch holds each record once');
    // The continuation skipped what Splunk already had: a record is there twice only when the answer
    // to a request that carried it was lost (a request cut by a deadline on a busy machine).
    for (const [marker, copies] of ledger.splunk.duplicateMarkers) {
      assert.ok(
        copies - 1 <= (hecProxy.lostMarkers.get(marker) ?? 0),
        `${marker}: ${copies} copies in Splunk`,
      );
    }
    assert.equal(ledger.splunk.quarantined + ledger.elastic.quarantined, 0);
    assert.equal(ledger.misattributed, 0);
  });
});
