import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { HttpClient } from '../../../lambda/core/http/client';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import type { SinkRuntimeOptions } from '../../../lambda/core/sinks/runtime';
import type { BatchOutcome, DeliveryContext, Sink } from '../../../lambda/core/sinks/types';
import { startHecReceiver, type HecReceiver, type HecReceiverOptions } from '../../support/receivers';
import {
  context,
  fakeSecret,
  ids,
  makeRecords,
  recordingObserver,
  withValue,
} from '../../unit/sinks/fixtures';
import { hecConfig, virtualTime } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The outcome once everything pending was confirmed (or given up). */
async function settle(outcome: BatchOutcome): Promise<BatchOutcome> {
  if (!outcome.pending) return outcome;
  const confirmed = await outcome.pending.confirmed;
  assert.equal(confirmed.pending, undefined, 'a confirmation is final');
  return {
    delivered: [...outcome.delivered, ...confirmed.delivered],
    rejected: [...outcome.rejected, ...confirmed.rejected],
    failed: [...outcome.failed, ...confirmed.failed],
    failure: outcome.failure ?? confirmed.failure,
  };
}

/**
 * A real HTTP client that calls `onTrueRead` as an ack answer saying `true` is handed to sluice: an answer
 * the receiver writes only after that is read after sluice has dealt with the `true`.
 */
function observedTransport(onTrueRead: () => void): SinkRuntimeOptions['transport'] {
  return (config) => {
    const client = new HttpClient({ maxSockets: config.maxConcurrency });
    return {
      request: async (request) => {
        const result = await client.request(request);
        if (request.url.pathname.endsWith('/ack') && result.ok && result.response.body.includes('true'))
          onTrueRead();
        return result;
      },
      close: () => client.close(),
    };
  };
}

describe('Splunk HEC sink with indexer acknowledgement, against a HEC receiver', () => {
  const receivers: HecReceiver[] = [];
  const sinks: Sink[] = [];
  afterEach(async () => {
    for (const sink of sinks.splice(0)) sink.close?.();
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  async function setUp(
    receiverOptions: HecReceiverOptions,
    extra: Record<string, unknown> = {},
    runtime: Pick<SinkRuntimeOptions, 'transport' | 'log'> = {},
  ) {
    const receiver = await startHecReceiver({ token: 'test-hec-token', ...receiverOptions });
    receivers.push(receiver);
    const time = virtualTime();
    const sink = createSink(hecConfig(receiver.url, { acknowledgements: true, ...extra }), {
      secret: () => fakeSecret('test-hec-token'),
      ...time,
      random: () => 0.5,
      ...runtime,
    });
    sinks.push(sink);
    const deadlineIn = (ms: number): DeliveryContext => ({ deadline: time.now() + ms });
    return { receiver, sink, time, deadlineIn };
  }

  it('accepted records are pending until HEC acknowledges them, then delivered, on one GUID channel', async () => {
    const { receiver, sink } = await setUp({ ack: { pendingQueries: 2 } }, { maxBatchRecords: 20 });
    const records = makeRecords(20);
    const first = await sink.deliver(records, context());
    assert.deepEqual(first.delivered, [], 'a 200 is not "indexed"');
    assert.deepEqual(ids(first.pending?.records ?? []), ids(records));
    const outcome = await settle(first);
    assert.deepEqual(ids(outcome.delivered), ids(records));
    assert.equal(outcome.failed.length + outcome.rejected.length, 0);
    assert.equal(receiver.events.length, 20);
    assert.equal(receiver.counters.duplicates, 0);
    assert.equal(receiver.acks.length, 1);
    assert.match(receiver.acks[0].channel, GUID);
    assert.equal(receiver.ackCounters.acknowledged, 1);
    assert.ok(receiver.ackCounters.ackQueries >= 3, 'false twice, then true');
  });

  it('counts nothing it could not confirm: at the deadline, unacknowledged records fail (HEC_NOT_ACKNOWLEDGED)', async () => {
    const { receiver, sink, deadlineIn } = await setUp({ ack: { manual: true } });
    const outcome = await settle(await sink.deliver(makeRecords(20), deadlineIn(30_000)));
    assert.equal(outcome.delivered.length, 0);
    assert.equal(outcome.failed.length, 20);
    assert.equal(outcome.failure?.code, 'HEC_NOT_ACKNOWLEDGED');
    assert.match(outcome.failure?.message ?? '', /not acknowledged them by the deadline/);
    assert.equal(receiver.events.length, 20, 'HEC holds them, but never said so');
  });

  it('an ack that never comes (lost with an indexer restart): resent after ackTimeoutSeconds; HEC holds them twice, none lost', async () => {
    const { receiver, sink } = await setUp({ ack: { fates: ['lose'] } });
    const observer = recordingObserver();
    const records = makeRecords(15);
    const outcome = await settle(await sink.deliver(records, context(observer, Date.now() + 600_000)));
    assert.deepEqual(ids(outcome.delivered), ids(records));
    assert.equal(outcome.failed.length, 0);
    assert.equal(receiver.events.length, 30);
    assert.equal(receiver.counters.duplicates, 15, 'duplicates rather than loss');
    assert.ok(observer.retries.some((retry) => /ackId 0 not acknowledged within 120 s/.test(retry.reason)));
  });

  it('events HEC answered 200 for but dropped before indexing are sent again and arrive', async () => {
    const { receiver, sink } = await setUp({ ack: { fates: ['drop'] } });
    const records = makeRecords(15);
    const outcome = await settle(await sink.deliver(records, context(undefined, Date.now() + 600_000)));
    assert.deepEqual(ids(outcome.delivered), ids(records));
    assert.deepEqual(
      receiver.events.map((event) => (event.event as { id: string }).id),
      ids(records),
      'every event indexed, once',
    );
  });

  it('an indexer restart loses the pending ack states: the events are sent again after the timeout', async () => {
    const { receiver, sink } = await setUp({ ack: { pendingQueries: 1 } });
    const records = makeRecords(10);
    const first = await sink.deliver(records, context(undefined, Date.now() + 600_000));
    receiver.restartIndexers();
    const outcome = await settle(first);
    assert.deepEqual(ids(outcome.delivered), ids(records));
    assert.equal(receiver.counters.duplicates, 10);
    assert.deepEqual(
      receiver.acks.map((ack) => [ack.ackId, ack.fate, ack.answeredTrue]),
      [
        [0, 'lose', false],
        [0, 'acknowledge', true],
      ],
      'the restarted channel counts from 0 again',
    );
  });

  it('an indexer restart hands a pending ackId to a new request while its batch is still being sent: the old events are sent again, none lost', async () => {
    const records = makeRecords(12);
    const slow = new Set(ids(records.slice(8)));
    const { receiver, sink, time } = await setUp(
      {
        // The first request's ack never comes before the restart; the later ones are acknowledged at once.
        ack: { fates: ['lose'], pendingQueries: 0 },
        // Batch `later` (8 events) is too large for one request: HEC takes it in two halves (413, split).
        maxContentLength: 1_000,
        // Its second half stays in flight a while, its first half already answered (ackId 0 again).
        answerDelayMs: (events) =>
          events.some((event) => slow.has((event.event as { id: string }).id)) ? 1_000 : 0,
      },
      { ackTimeoutSeconds: 3600 },
    );
    const observer = recordingObserver();
    const far = time.now() + 24 * 3_600_000;
    const earlier = records.slice(0, 4);
    const first = await sink.deliver(earlier, context(observer, far));
    assert.equal(receiver.acks[0].ackId, 0);
    // Its events die with the indexer; the channel counts from 0 again.
    receiver.restartIndexers({ losePendingEvents: true });
    const later = records.slice(4);
    const outcomes = await Promise.all([
      settle(first),
      settle(await sink.deliver(later, context(observer, far))),
    ]);
    const delivered = outcomes.flatMap((outcome) => ids(outcome.delivered));
    assert.deepEqual(delivered.sort(), ids(records).sort());
    // A query in flight across the restart may have drawn the `true` for the new ackId 0 while it asked
    // about the old one: that `true` is thrown away (it could be the old one's), so the new request's
    // events may be sent again too. Duplicates, never loss.
    assert.deepEqual(
      [...new Set(receiver.events.map((event) => (event.event as { id: string }).id))].sort(),
      ids(records).sort(),
      'every event indexed (the first batch sent again after the restart), none counted on a reused ackId',
    );
    assert.ok(
      observer.retries.some((retry) =>
        /ackId 0 can no longer be acknowledged \(ackId 0 came after ackId 0 on the same channel: the indexer restarted/.test(
          retry.reason,
        ),
      ),
      JSON.stringify(observer.retries),
    );
  });

  it('a query answered `true` for a reused ackId before the answer that reveals the reuse is read: the old batch is sent again, not confirmed; none lost', async () => {
    const records = makeRecords(8);
    const earlier = records.slice(0, 4);
    const later = records.slice(4);
    const laterIds = new Set(ids(later));
    const isLater = (events: readonly { event: unknown }[]) =>
      events.some((event) => laterIds.has((event.event as { id: string }).id));
    let reissued: () => void = () => undefined;
    const laterNumbered = new Promise<void>((resolve) => (reissued = resolve));
    let trueRead: () => void = () => undefined;
    const queryAnswerRead = new Promise<void>((resolve) => (trueRead = resolve));
    const { receiver, sink, time } = await setUp(
      {
        ack: { pendingQueries: 0 },
        // HEC answers the ack queries only once the request sent after the restart has its ackId…
        beforeAckStatuses: () => laterNumbered,
        // …and that request's answer only once sluice has read a query's `true`.
        beforeEventAnswer: ({ events }) => {
          if (!isLater(events)) return undefined;
          reissued();
          return queryAnswerRead;
        },
      },
      { ackTimeoutSeconds: 3600 },
      { transport: observedTransport(() => trueRead()) },
    );
    const observer = recordingObserver();
    const far = time.now() + 24 * 3_600_000;
    const first = await sink.deliver(earlier, context(observer, far));
    assert.equal(receiver.acks[0].ackId, 0);
    // Its events die with the indexer; the channel counts from 0 again. The next request gets 0, and the
    // query about the old 0 is answered `true` for it while its answer is held.
    receiver.restartIndexers({ losePendingEvents: true });
    const outcomes = await Promise.all([
      settle(first),
      settle(await sink.deliver(later, context(observer, far))),
    ]);

    assert.deepEqual(
      receiver.acks.slice(0, 2).map((ack) => [ack.ackId, ack.fate, ack.answeredTrue, isLater(ack.events)]),
      [
        [0, 'drop', false, false],
        [0, 'acknowledge', true, true],
      ],
      'the interleaving happened: the new 0 was answered true to a query about the old 0',
    );
    assert.deepEqual(outcomes.flatMap((outcome) => ids(outcome.delivered)).sort(), ids(records).sort());
    const indexed = new Set(receiver.events.map((event) => (event.event as { id: string }).id));
    assert.deepEqual(
      ids(earlier).filter((id) => !indexed.has(id)),
      [],
      'every record counted delivered is indexed: the old batch was sent again',
    );
    assert.ok(
      observer.retries.some((retry) =>
        /ackId 0 can no longer be acknowledged \(ackId 0 came after ackId 0 on the same channel/.test(
          retry.reason,
        ),
      ),
      JSON.stringify(observer.retries),
    );
    assert.ok(
      observer.retries.every((retry) => !/not acknowledged within/.test(retry.reason)),
      'at once, not after ackTimeoutSeconds',
    );
  });

  it('a `true` read while another event request is in flight, whose answer is then lost: the batch is sent again rather than confirmed', async () => {
    const records = makeRecords(8);
    const earlier = records.slice(0, 4);
    const laterIds = new Set(ids(records.slice(4)));
    const isLater = (events: readonly { event: unknown }[]) =>
      events.some((event) => laterIds.has((event.event as { id: string }).id));
    let numbered: () => void = () => undefined;
    const laterNumbered = new Promise<void>((resolve) => (numbered = resolve));
    let trueRead: () => void = () => undefined;
    const queryAnswerRead = new Promise<void>((resolve) => (trueRead = resolve));
    let resets = 0;
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const { receiver, sink, time } = await setUp(
      {
        ack: { pendingQueries: 0 },
        // The queries are answered once the later request has its ackId; its answer is held until sluice
        // has read a `true`, then lost once (sluice cannot tell which ackId HEC gave it).
        beforeAckStatuses: () => laterNumbered,
        beforeEventAnswer: ({ events }) => {
          if (!isLater(events)) return undefined;
          numbered();
          resets += 1;
          return queryAnswerRead.then(() => (resets === 1 ? 'reset' : 'answer'));
        },
      },
      { ackTimeoutSeconds: 3600 },
      {
        transport: observedTransport(() => trueRead()),
        log: { warn: (message, fields) => warnings.push({ message, fields }) },
      },
    );
    const observer = recordingObserver();
    const far = time.now() + 24 * 3_600_000;
    const first = await sink.deliver(earlier, context(observer, far));
    const outcomes = await Promise.all([
      settle(first),
      settle(await sink.deliver(records.slice(4), context(observer, far))),
    ]);
    assert.deepEqual(outcomes.flatMap((outcome) => ids(outcome.delivered)).sort(), ids(records).sort());
    assert.equal(receiver.acks[0].answeredTrue, true, 'HEC answered true for the first batch');
    assert.ok(
      observer.retries.some((retry) =>
        /ackId 0 can no longer be acknowledged \(HEC answered true for ackId 0 while an event request was in flight that got no answer/.test(
          retry.reason,
        ),
      ),
      JSON.stringify(observer.retries),
    );
    assert.deepEqual(
      receiver.events.filter((event) => ids(earlier).includes((event.event as { id: string }).id)).length,
      8,
      'the first batch indexed twice: a duplicate rather than a `true` that may not be its own',
    );
    // Operators see each such `true`: counted, and logged with what names it in HEC.
    const { channel } = receiver.acks[0];
    assert.deepEqual(observer.distrusted, [{ channel, ackId: 0, why: 'request-unanswered' }]);
    assert.deepEqual(
      warnings.map(({ message, fields }) => ({ message, ...fields, reason: undefined })),
      [
        {
          message: 'HEC acknowledgement not trusted; its events are sent again',
          code: 'HEC_ACK_DISTRUSTED',
          destination: 'splunk',
          channel,
          ackId: 0,
          why: 'request-unanswered',
          reason: undefined,
        },
      ],
    );
  });

  it('HEC answers code 11 (Invalid data channel) for the channel it lost in a restart: the pending batch is sent again at once, not failed', async () => {
    const { receiver, sink, time } = await setUp(
      { ack: { fates: ['lose'], pendingQueries: 0, unknownChannel: 'invalid' } },
      { ackTimeoutSeconds: 3600 },
    );
    const observer = recordingObserver();
    const records = makeRecords(6);
    const first = await sink.deliver(records, context(observer, time.now() + 24 * 3_600_000));
    receiver.restartIndexers({ losePendingEvents: true });
    const outcome = await settle(first);
    assert.equal(outcome.failure, undefined, outcome.failure?.message);
    assert.deepEqual(ids(outcome.delivered), ids(records));
    assert.deepEqual(
      receiver.events.map((event) => (event.event as { id: string }).id),
      ids(records),
    );
    assert.ok(
      observer.retries.some((retry) =>
        /Invalid data channel.*no longer knows the channel/.test(retry.reason),
      ),
      JSON.stringify(observer.retries),
    );
    assert.ok(
      observer.retries.every((retry) => !/not acknowledged within/.test(retry.reason)),
      'at once, not after ackTimeoutSeconds',
    );
  });

  it('code 14: a token without indexer acknowledgement is a configuration error (HEC_ACK_DISABLED), nothing quarantined', async () => {
    const { sink } = await setUp({});
    const outcome = await settle(await sink.deliver(makeRecords(5), context()));
    assert.equal(outcome.failure?.code, 'HEC_ACK_DISABLED');
    assert.match(outcome.failure?.message ?? '', /Fix: enable indexer acknowledgement on the token/);
    assert.equal(outcome.failed.length, 5);
    assert.equal(outcome.rejected.length, 0);
    assert.equal(outcome.pending, undefined);
  });

  it('code 14 from the ack endpoint (acknowledgement turned off meanwhile): the pending records fail as HEC_ACK_DISABLED', async () => {
    const { receiver, sink } = await setUp({ ack: { manual: true } });
    const first = await sink.deliver(makeRecords(5), context(undefined, Date.now() + 600_000));
    receiver.setAckEnabled(false);
    const outcome = await settle(first);
    assert.equal(outcome.failure?.code, 'HEC_ACK_DISABLED');
    assert.match(outcome.failure?.message ?? '', /HEC 400 code 14: ACK is disabled/);
    assert.equal(outcome.failed.length, 5);
    assert.equal(outcome.rejected.length, 0);
  });

  it('code 10: a token with acknowledgement, a destination without: the error names the setting', async () => {
    const { sink } = await setUp({ ack: {} }, { acknowledgements: false });
    const outcome = await sink.deliver(makeRecords(5), context());
    assert.equal(outcome.failure?.code, 'HEC_REQUEST_REJECTED');
    assert.match(outcome.failure?.message ?? '', /Data channel is missing.*set acknowledgements: true/);
  });

  it('behind a sticky load balancer: the cookie keeps events and ack queries on one indexer', async () => {
    const { receiver, sink, time } = await setUp({ ack: { indexers: 2 } }, { maxBatchRecords: 10 });
    const records = makeRecords(40);
    // The poller's sleeps are virtual: each wait's queries move the clock by a poll interval, and under load
    // the four waits no longer share their queries (4 x 2 polls = 80 s). A deadline on the virtual clock and
    // far away keeps "by the deadline" out of a test about routing.
    const far = time.now() + 24 * 3_600_000;
    const outcomes = await Promise.all(
      [0, 10, 20, 30].map(async (start) =>
        settle(await sink.deliver(records.slice(start, start + 10), context(undefined, far))),
      ),
    );
    assert.equal(
      outcomes.flatMap((outcome) => outcome.delivered).length,
      40,
      JSON.stringify({
        failures: outcomes.map((outcome) => outcome.failure),
        byIndexer: receiver.ackCounters.byIndexer,
      }),
    );
    assert.equal(receiver.counters.duplicates, 0);
    assert.equal(
      receiver.ackCounters.byIndexer.filter((count) => count > 0).length,
      1,
      `every request on one indexer: ${JSON.stringify(receiver.ackCounters.byIndexer)}`,
    );
  });

  it('partial acceptance: the bad event is quarantined; the ones before it, taken without an ackId, are sent again', async () => {
    const { receiver, sink } = await setUp({
      ack: {},
      invalidEvent: (event) => (event.event as { poison?: boolean }).poison === true,
    });
    const records = makeRecords(10).map((record, index) =>
      index === 4 ? withValue(record, { ...record.value, poison: true }) : record,
    );
    const outcome = await settle(await sink.deliver(records, context()));
    assert.deepEqual(ids(outcome.rejected.map((rejection) => rejection.record)), ['rec-4']);
    assert.equal(outcome.rejected[0].code, 'HEC_INVALID_EVENT');
    assert.deepEqual(ids(outcome.delivered).sort(), ids(records.filter((_, index) => index !== 4)).sort());
    assert.equal(receiver.counters.duplicates, 4, 'the head, indexed with the 400 and again');
  });

  it('a busy ack endpoint is simply asked again at the next poll', async () => {
    const { receiver, sink } = await setUp({ ack: { pendingQueries: 0 }, faults: ['ok', 'busy', 'error'] });
    const observer = recordingObserver();
    const outcome = await settle(await sink.deliver(makeRecords(5), context(observer)));
    assert.equal(outcome.delivered.length, 5);
    assert.deepEqual(
      observer.requests.map((request) => request.status),
      [200, 503, 500, 200],
    );
    assert.equal(receiver.counters.duplicates, 0);
  });
});
