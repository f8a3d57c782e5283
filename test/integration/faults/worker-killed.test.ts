import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { vendorObjects } from '../../../bench/data/objects';
import { parseConfig } from '../../../lambda/core/config/load';
import { RUNTIME_CONFIG_ENV, runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { BUCKET } from '../../support/pipeline';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy';
import { describeLedger } from './support/ledger';
import { startScenario, type Scenario } from './support/scenario';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 6005;
const VISIBILITY_SECONDS = 3;
const TUNING = { maxBatchRecords: 50, maxConcurrency: 2 };

/** Resolves once `predicate` holds (checked every 50 ms), or rejects after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A worker dies in the middle of a batch (SIGKILL: no clean-up, no batch response). Its messages
 * were never deleted, so they come back once their visibility timeout expires and the surviving
 * workers deliver them. What the dead worker had already delivered may reach Splunk twice (it never
 * learned of it); Elasticsearch deduplicates by `_id`.
 */
describe('fault injection: a worker killed mid-batch', () => {
  let scenario: Scenario;
  // The doomed worker reaches the receivers through slow proxies of its own, so it is surely mid-batch
  // when killed, and everything it delivered is on record.
  let doomedHec: FaultProxy;
  let doomedEs: FaultProxy;
  let child: ChildProcess | undefined;

  before(async () => {
    scenario = await startScenario({ seed: SEED });
    doomedHec = await startFaultProxy({
      target: scenario.hec.url,
      kind: 'hec',
      seed: SEED + 5,
      delayMs: 150,
    });
    doomedEs = await startFaultProxy({
      target: scenario.bulk.url,
      kind: 'bulk',
      seed: SEED + 6,
      delayMs: 150,
    });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await Promise.all([doomedHec.close(), doomedEs.close()]);
    await scenario.stop();
  });

  it('delivers the dead worker’s messages after their visibility timeout: nothing lost', async (t) => {
    const { pipeline } = scenario;
    const objects = vendorObjects({
      seed: SEED,
      objects: 14,
      recordsPerObject: 200,
      format: (index) => (index % 5 === 4 ? 'pretty' : 'ndjson'),
      gzip: (index) => index % 2 === 0,
    });
    await scenario.put(objects);

    const config = scenario.config(TUNING, { hec: doomedHec.url, es: doomedEs.url });
    child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support', 'worker-process.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: pipeline.moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        SLUICE_S3_FORCE_PATH_STYLE: 'true',
        [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfigOf(parseConfig(config))),
        SLUICE_BUCKET: BUCKET,
        SLUICE_OBJECT_QUEUE_URL: pipeline.queueUrl,
        FAULT_QUEUE_URL: pipeline.queueUrl,
        FAULT_VISIBILITY_SECONDS: String(VISIBILITY_SECONDS),
        // Its own guard against outliving the test; the test kills it long before.
        FAULT_MAX_RUN_MS: '600000',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    });
    let taken = 0;
    let finished = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const [, verb, count] of chunk.toString().matchAll(/(received|done) (\d+)/g)) {
        if (verb === 'received') taken += Number(count);
        else finished += Number(count);
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child!.once('exit', (_code, signal) => resolve(signal)),
    );

    // Kill it once it holds a batch and has delivered part of it.
    await until(
      () => taken > 0 && doomedHec.counters.forwardedRecords > 0 && doomedEs.counters.forwardedRecords > 0,
      240_000,
      'the worker to deliver part of its batch',
    );
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.equal(finished, 0, 'killed before it finished its batch');
    const heldByTheDead = await messageCount(pipeline.sqs, pipeline.queueUrl);
    t.diagnostic(
      `worker killed holding ${taken} messages; it had sent Splunk ${doomedHec.forwardedMarkers.size} records and Elasticsearch ${doomedEs.forwardedMarkers.size}; ${heldByTheDead} messages left in the queue (visible or not)`,
    );

    const started = Date.now();
    const survivors = await drainWithWorkers(pipeline.sqs, pipeline.queueUrl, {
      handlers: scenario.handlers(2, TUNING),
      remainingMs: 20_000,
      timeoutMs: 300_000,
      visibilitySeconds: VISIBILITY_SECONDS,
    });
    const ledger = await scenario.ledger([doomedHec]);
    t.diagnostic(describeLedger(ledger));
    t.diagnostic(
      `survivors: ${survivors.invocations} invocations, ${survivors.received} messages in ${Date.now() - started} ms`,
    );

    assert.ok(survivors.received >= taken, 'the dead worker’s messages came back');
    assert.equal(ledger.sent, 14 * 200);
    assert.equal(ledger.splunk.lost, 0);
    assert.equal(ledger.elastic.lost, 0);
    assert.equal(ledger.elastic.duplicates, 0, 'Elasticsearch holds each record once');
    // Splunk holds twice only what the dead worker had delivered.
    for (const marker of ledger.splunk.duplicateMarkers.keys()) {
      assert.ok(
        doomedHec.forwardedMarkers.has(marker),
        `${marker} duplicated but never sent by the dead worker`,
      );
    }
    assert.equal(ledger.misattributed, 0);
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0);
  });
});
