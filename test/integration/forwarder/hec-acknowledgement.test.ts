import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { HEC_TOKEN, startPipeline, type Pipeline } from '../../support/pipeline';
import { startHecReceiver, type HecAckOptions, type HecReceiver } from '../../support/receivers';
import { messageCount } from '../faults/support/workers';

const SOURCE = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };

const activity = (index: number) => ({
  formatVersion: 'v1.0.0',
  id: `at-${String(index).padStart(6, '0')}`,
  logType: 'activities',
  activity: 'user logged into the Admin UI',
  actorEmail: 'alice.glick@example.com',
  description: 'Alice logged into the Admin UI.',
  timestamp: `2024-02-01T18:50:${String(index % 60).padStart(2, '0')}.782960647Z`,
});

const ndjson = (from: number, count: number) =>
  Array.from({ length: count }, (_, offset) => JSON.stringify(activity(from + offset))).join('\n') + '\n';
const key = (name: string) => `sdm/logs/activities/2024/02/01/18/50/${name}`;
const idOf = (event: { event: unknown }) => (event.event as { id: string }).id;

/** How many times each record id is held by the receiver. */
function copies(hec: HecReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of hec.events) counts.set(idOf(event), (counts.get(idOf(event)) ?? 0) + 1);
  return counts;
}

describe('the forwarder on moto, with Splunk indexer acknowledgement', () => {
  let pipeline: Pipeline;
  let hec: HecReceiver | undefined;

  before(async () => {
    pipeline = await startPipeline();
  });
  after(async () => pipeline.stop());
  beforeEach(async () => pipeline.purge());
  afterEach(async () => {
    await hec?.close();
    hec = undefined;
  });

  async function handlerFor(ack: HecAckOptions, destination: Record<string, unknown> = {}) {
    hec = await startHecReceiver({ token: HEC_TOKEN, ack });
    return pipeline.handlerFor({
      sources: [SOURCE],
      destinations: [
        {
          type: 'splunk-hec',
          name: 'splunk',
          url: hec.url,
          tokenSecretArn: pipeline.secretArns.hec,
          acknowledgements: true,
          ackPollIntervalSeconds: 1,
          maxBatchRecords: 20,
          ...destination,
        },
      ],
    });
  }

  it('delivers every record once, each batch acknowledged', async () => {
    const handler = await handlerFor({});
    await pipeline.putObject(key('a.json'), ndjson(0, 60));
    await pipeline.putObject(key('b.json'), ndjson(100, 45));
    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    assert.equal(hec!.events.length, 105);
    assert.equal(hec!.counters.duplicates, 0);
    assert.equal(hec!.ackCounters.ackIdsIssued, 6, 'batches of 20: 3 + 3');
    assert.equal(hec!.ackCounters.acknowledged, 6, 'every ackId was asked for until true');
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0);
  });

  it('acks that never come: the batch is sent again after ackTimeoutSeconds; Splunk holds it twice, nothing is lost', async () => {
    const handler = await handlerFor({ fates: ['lose', 'acknowledge', 'lose'] }, { ackTimeoutSeconds: 3 });
    await pipeline.putObject(key('lost-acks.json'), ndjson(200, 60));
    const drained = await pipeline.drain(handler, { remainingMs: 120_000 });
    assert.equal(drained.failed, 0);
    const held = copies(hec!);
    assert.equal(held.size, 60, 'nothing lost');
    const lost = new Set(
      hec!.acks.filter((ack) => ack.fate === 'lose').flatMap((ack) => ack.events.map((event) => idOf(event))),
    );
    assert.equal(lost.size, 40);
    for (const [id, count] of held)
      assert.equal(count, lost.has(id) ? 2 : 1, `${id}: a second copy only where the ack was lost`);
  });

  it('events HEC answered 200 for but never indexed are sent again and arrive', async () => {
    const handler = await handlerFor({ fates: ['drop', 'acknowledge', 'drop'] }, { ackTimeoutSeconds: 3 });
    await pipeline.putObject(key('dropped.json'), ndjson(300, 60));
    const drained = await pipeline.drain(handler, { remainingMs: 120_000 });
    assert.equal(drained.failed, 0);
    const held = copies(hec!);
    assert.equal(held.size, 60, 'nothing lost');
    assert.ok([...held.values()].every((count) => count === 1));
  });

  it('a batch unacknowledged at the deadline: the continuation resumes before it, a later invocation sends it again', async () => {
    // The second batch's ack is lost and the ack timeout is longer than the invocation: only the
    // deadline ends its wait. The batches before and after it were acknowledged.
    const handler = await handlerFor(
      { fates: ['acknowledge', 'lose', 'acknowledge'] },
      { ackTimeoutSeconds: 600, maxConcurrency: 1 },
    );
    await pipeline.putObject(key('deadline.json'), ndjson(400, 60));
    const drained = await pipeline.drain(handler, { remainingMs: 20_000 });
    assert.equal(drained.failed, 0);
    assert.equal(drained.received, 2, 'the object, then its continuation');
    const held = copies(hec!);
    assert.equal(held.size, 60, 'nothing lost');
    const second = new Set(hec!.acks[1].events.map((event) => idOf(event)));
    for (const [id, count] of held)
      assert.equal(count, second.has(id) ? 2 : 1, `${id}: only the unacknowledged batch is sent again`);
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0);
  });
});
