import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { vendorObjects } from '../../../bench/data/objects';
import { seededRandom } from '../../../bench/data/random';
import { recordMarker } from '../../../bench/data/strongdm';
import { SinkCodes } from '../../../lambda/core/sinks/codes';
import type { SinkLog } from '../../../lambda/core/sinks/types';
import { BUCKET, HEC_TOKEN, startPipeline, type Pipeline } from '../../support/pipeline';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy';
import { takeQuarantine } from './support/ledger';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 8001;

/**
 * Many objects, three workers, and Splunk with indexer acknowledgement misbehaving on both of its
 * endpoints: busy answers, resets, answers lost after indexing (an event answer: its ackId never
 * reaches the forwarder; an ack answer: its `true`, which HEC then forgets), answers slower than the
 * request timeout, and behind HEC, requests answered 200 whose events are dropped before indexing or
 * whose ack state is lost. Every record must arrive and be acknowledged to the forwarder once; every
 * other copy must be one the forwarder never saw acknowledged, or one whose `true` it read and reported
 * as not trusted (HEC_ACK_DISTRUSTED: e.g. read while an event request of its channel was in flight that
 * then got no answer, which a restarted indexer may have given the same ackId: see held-acks.ts).
 * Duplicates rather than loss.
 */
describe('fault injection: flaky Splunk HEC with indexer acknowledgement under concurrent workers', () => {
  let pipeline: Pipeline;
  let hec: HecReceiver;
  let proxy: FaultProxy;
  let ackQueries = 0;

  before(async () => {
    pipeline = await startPipeline({ maxReceiveCount: 10 });
    hec = await startHecReceiver({
      token: HEC_TOKEN,
      // Two of the first requests are sure to be dropped or lose their ack; the rest by chance.
      ack: {
        pendingQueries: 1,
        fates: ['acknowledge', 'drop', 'acknowledge', 'lose'],
        dropProbability: 0.04,
        loseProbability: 0.04,
      },
      random: seededRandom(SEED + 1).next,
    });
    proxy = await startFaultProxy({
      target: hec.url,
      kind: 'hec',
      seed: SEED + 2,
      probabilities: { busy: 0.08, reset: 0.05, lost: 0.05, slow: 0.03 },
      slowMs: 1_200,
      // Ack queries carry no records. Besides the draw, every fourth one loses its answer: its
      // `true`s, which HEC forgets once answered.
      decide: (markers) => (markers.length === 0 && ++ackQueries % 4 === 0 ? 'lost' : undefined),
    });
  });
  after(async () => {
    await proxy.close();
    await hec.close();
    await pipeline.stop();
  });

  it('delivers every record; each acknowledged once; every other copy unacknowledged; nothing quarantined, nothing in the DLQ', async (t) => {
    const objects = vendorObjects({
      seed: SEED,
      objects: 16,
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
          type: 'splunk-hec',
          name: 'splunk',
          url: proxy.url,
          tokenSecretArn: pipeline.secretArns.hec,
          index: 'security',
          acknowledgements: true,
          ackPollIntervalSeconds: 1,
          ackTimeoutSeconds: 3,
          // Small batches and a 1 s request timeout: many requests, so every fault happens many times.
          maxBatchRecords: 40,
          maxConcurrency: 2,
          requestTimeoutSeconds: 1,
        },
      ],
    };
    // The `true`s each forwarder read but did not trust (their events were sent again), as it logs them.
    const distrusted = new Set<string>();
    const sinkLog: SinkLog = {
      warn: (_message, fields) => {
        if (fields?.code === SinkCodes.HEC_ACK_DISTRUSTED)
          distrusted.add(`${String(fields.channel)}/${String(fields.ackId)}`);
      },
    };
    const stats = await drainWithWorkers(pipeline.sqs, pipeline.queueUrl, {
      handlers: Array.from({ length: 3 }, () => pipeline.handlerFor(config, {}, { sinkLog })),
      remainingMs: 12_000,
      timeoutMs: 300_000,
    });

    // Each copy HEC indexed came with one ackId; the forwarder saw it acknowledged only if HEC answered
    // `true` and that answer was not lost on the way.
    const lostTrue = new Set(
      proxy.lostAcknowledgements.flatMap(({ channel, ackIds }) => ackIds.map((id) => `${channel}/${id}`)),
    );
    const read = new Set<string>();
    const copies = new Map<string, number>();
    const acknowledged = new Map<string, number>();
    const seen = new Map<string, number>();
    const why = {
      eventAnswerLost: 0,
      ackLost: 0,
      timedOut: 0,
      trueAnswerLost: 0,
      dropped: 0,
      distrusted: 0,
    };
    for (const ack of hec.acks) {
      if (ack.fate === 'drop') {
        why.dropped += 1;
        continue;
      }
      const key = `${ack.channel}/${ack.ackId}`;
      const reached = ack.answeredTrue && !lostTrue.has(key);
      if (reached) read.add(key);
      const answered = reached && !distrusted.has(key);
      if (!answered) {
        if (ack.fate === 'lose') why.ackLost += 1;
        else if (reached) why.distrusted += 1;
        else if (ack.answeredTrue) why.trueAnswerLost += 1;
        else if (ack.queries === 0) why.eventAnswerLost += 1;
        else why.timedOut += 1;
      }
      for (const event of ack.events) {
        const marker = recordMarker(event.event as Record<string, unknown>);
        copies.set(marker, (copies.get(marker) ?? 0) + 1);
        if (ack.answeredTrue) seen.set(marker, (seen.get(marker) ?? 0) + 1);
        if (answered) acknowledged.set(marker, (acknowledged.get(marker) ?? 0) + 1);
      }
    }
    const lost = [...sent].filter((marker) => !copies.has(marker));
    const duplicated = [...copies].filter(([, count]) => count > 1);
    const quarantine = await takeQuarantine(pipeline.s3, BUCKET);
    t.diagnostic(
      `sent ${sent.size}, indexed ${hec.events.length} (distinct ${copies.size}), lost ${lost.length}, duplicated ${duplicated.length}; ` +
        `ackIds ${hec.ackCounters.ackIdsIssued}, ack queries ${hec.ackCounters.ackQueries}, unacknowledged requests ${JSON.stringify(why)}; ` +
        `invocations ${stats.invocations}, messages ${stats.received} (failed ${stats.failed}, continuations ${stats.continuationsReceived}); ` +
        `proxy faults ${JSON.stringify(proxy.counters.byFault)}, true answers lost ${lostTrue.size}`,
    );

    // The faults really happened, on both endpoints and behind them.
    for (const fault of ['busy', 'reset', 'lost', 'slow'] as const)
      assert.ok(proxy.counters.byFault[fault] > 0, fault);
    assert.ok(lostTrue.size > 0, 'some `true` answers were lost');
    assert.ok(why.dropped > 0, 'HEC dropped some accepted requests');
    assert.ok(why.ackLost > 0, 'HEC lost some ack states');

    assert.equal(sent.size, 16 * 150);
    assert.equal(
      hec.events.length,
      [...copies.values()].reduce((sum, count) => sum + count, 0),
    );
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} records lost`);
    // Each `true` reported as not trusted is one HEC answered and the forwarder read.
    assert.deepEqual(
      [...distrusted].filter((key) => !read.has(key)),
      [],
      'reported as distrusted, yet never read',
    );
    for (const marker of sent) {
      assert.ok((seen.get(marker) ?? 0) >= 1, `${marker}: delivered without HEC acknowledging any copy`);
      // Every copy beyond the acknowledged one is one the forwarder never saw acknowledged.
      assert.ok(
        (acknowledged.get(marker) ?? 0) <= 1,
        `${marker}: acknowledged ${acknowledged.get(marker)} times, yet sent again`,
      );
    }
    assert.deepEqual(quarantine, [], 'no fault here is the records’ fault');
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0, 'nothing in the DLQ');
  });
});
