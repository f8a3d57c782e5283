import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { vendorObjects } from '../../../bench/data/objects';
import { seededRandom } from '../../../bench/data/random';
import { recordMarker } from '../../../bench/data/strongdm';
import { BUCKET, startPipeline, type Pipeline } from '../../support/pipeline';
import {
  azureClock,
  startEntraTokenReceiver,
  startLogsIngestionReceiver,
  type EntraTokenReceiver,
  type LogsIngestionReceiver,
} from '../../support/receivers';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy';
import { takeQuarantine } from './support/ledger';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 7001;
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const CLIENT_SECRET = 'Xy8Q~sentinel-client-secret.value';
const DCR = 'dcr-00112233445566778899aabbccddeeff';
/** Every this many calls, Azure's clock jumps two hours: the tokens the workers hold expire. */
const EXPIRE_TOKENS_EVERY = 40;

/**
 * Many objects, three workers, and the Sentinel path misbehaving the way Azure does: 503s, resets,
 * answers lost after ingesting, answers slower than the request timeout, 429s with Retry-After, the
 * token endpoint busy, and tokens that expire under the workers' feet (401, then a new token). Every
 * record must arrive; a record may arrive twice only when an answer carrying it was lost.
 */
describe('fault injection: a flaky Logs Ingestion API and Entra ID under concurrent workers', () => {
  let pipeline: Pipeline;
  let entra: EntraTokenReceiver;
  let ingestion: LogsIngestionReceiver;
  let proxy: FaultProxy;
  let clientSecretArn: string;
  const clock = azureClock();
  let calls = 0;

  before(async () => {
    pipeline = await startPipeline({ maxReceiveCount: 10 });
    entra = await startEntraTokenReceiver({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: CLIENT_SECRET,
      clock,
      // The first token requests find Entra ID busy or gone.
      faults: ['busy', 'reset', 'throttle'],
    });
    ingestion = await startLogsIngestionReceiver({
      dcrImmutableId: DCR,
      streams: ['Custom-strongdm_activities', 'Custom-strongdm_queries', 'Custom-strongdm_replays'],
      tokens: entra.verifier,
      publishers: [CLIENT],
      throttleProbability: 0.05,
      random: seededRandom(SEED + 1).next,
    });
    proxy = await startFaultProxy({
      target: ingestion.url,
      kind: 'sentinel',
      seed: SEED + 2,
      probabilities: { busy: 0.1, reset: 0.06, lost: 0.06, slow: 0.04 },
      slowMs: 1_200,
      decide: () => {
        calls += 1;
        if (calls % EXPIRE_TOKENS_EVERY === 0) clock.advance(2 * 60 * 60 * 1000);
        return undefined;
      },
    });
    const created = await pipeline.secrets.send(
      new CreateSecretCommand({ Name: 'sluice/sentinel', SecretString: CLIENT_SECRET }),
    );
    clientSecretArn = created.ARN!;
  });
  after(async () => {
    await proxy.close();
    await Promise.all([entra.close(), ingestion.close()]);
    await pipeline.stop();
  });

  it('delivers every record; duplicates only for lost answers; nothing quarantined, nothing in the DLQ', async (t) => {
    const objects = vendorObjects({
      seed: SEED,
      objects: 24,
      recordsPerObject: 150,
      format: (index) => (index % 3 === 2 ? 'pretty' : 'ndjson'),
      gzip: (index) => index % 2 === 1,
    });
    const sent = new Set(objects.flatMap((object) => object.markers));
    for (const object of objects) await pipeline.putObject(object.key, object.body);

    const config = {
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [
        {
          type: 'sentinel',
          name: 'sentinel',
          endpoint: proxy.url,
          authorityHost: entra.url,
          dcrImmutableId: DCR,
          tenantId: TENANT,
          clientId: CLIENT,
          clientSecretArn,
          // Small batches and a 1 s request timeout: many calls, so every fault happens many times.
          maxBatchRecords: 40,
          maxConcurrency: 2,
          requestTimeoutSeconds: 1,
        },
      ],
    };
    const stats = await drainWithWorkers(pipeline.sqs, pipeline.queueUrl, {
      handlers: Array.from({ length: 3 }, () => pipeline.handlerFor(config)),
      remainingMs: 12_000,
      timeoutMs: 300_000,
    });

    const copies = new Map<string, number>();
    for (const row of ingestion.rows()) {
      const marker = recordMarker(row);
      copies.set(marker, (copies.get(marker) ?? 0) + 1);
    }
    const lost = [...sent].filter((marker) => !copies.has(marker));
    const duplicates = [...copies].filter(([, count]) => count > 1);
    const quarantine = await takeQuarantine(pipeline.s3, BUCKET);
    t.diagnostic(
      `sent ${sent.size}, rows ${ingestion.rows().length}, distinct ${copies.size}, lost ${lost.length}, ` +
        `duplicated ${duplicates.length} (answers lost ${proxy.counters.lostRecords}); invocations ${stats.invocations}, ` +
        `messages ${stats.received} (failed ${stats.failed}, continuations ${stats.continuationsReceived}); ` +
        `proxy faults ${JSON.stringify(proxy.counters.byFault)}; API answers ${JSON.stringify(ingestion.counters.byStatus)}; ` +
        `token requests ${entra.counters.requests}, tokens issued ${entra.counters.issued}`,
    );

    // The faults really happened.
    for (const fault of ['busy', 'reset', 'lost', 'slow'] as const)
      assert.ok(proxy.counters.byFault[fault] > 0, fault);
    assert.ok((ingestion.counters.byStatus[429] ?? 0) > 0, 'the API throttled some calls');
    assert.ok((ingestion.counters.byStatus[401] ?? 0) > 0, 'tokens expired under the workers');
    assert.ok(
      entra.counters.requests - entra.counters.issued >= 3,
      'the token endpoint was busy, gone, then throttling at first',
    );
    assert.ok(entra.counters.issued > 3, 'expired tokens were renewed');

    assert.equal(sent.size, 24 * 150);
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} records lost`);
    for (const [marker, count] of duplicates) {
      assert.ok(
        count - 1 <= (proxy.lostMarkers.get(marker) ?? 0),
        `${marker}: ${count} copies, not explained by a lost answer`,
      );
    }
    assert.deepEqual(quarantine, [], 'no fault here is the records’ fault');
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0, 'nothing in the DLQ');
  });
});
