import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import type { Sink } from '../../../lambda/core/sinks/types';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import {
  context,
  fakeSecret,
  ids,
  makeRecords,
  recordingObserver,
  withValue,
} from '../../unit/sinks/fixtures';
import { deliverAll, hecConfig, virtualTime } from './helpers';

describe('Splunk HEC sink against a HEC receiver', () => {
  let receiver: HecReceiver;
  const sinks: Sink[] = [];
  const sinkFor = (extra: Record<string, unknown> = {}, secret = fakeSecret('test-hec-token')) => {
    const time = virtualTime();
    const sink = createSink(hecConfig(receiver.url, extra), {
      secret: () => secret,
      ...time,
      random: () => 0.5,
    });
    sinks.push(sink);
    return { sink, secret, time };
  };

  before(async () => {
    receiver = await startHecReceiver({
      invalidEvent: (event) => (event.event as { poison?: boolean }).poison === true,
    });
  });
  afterEach(() => {
    receiver.clear();
    receiver.setToken('test-hec-token');
    for (const sink of sinks.splice(0)) sink.close?.();
  });
  after(() => receiver.close());

  it('delivers every record, gzipped, with the envelope HEC expects', async () => {
    const { sink } = sinkFor({ maxBatchRecords: 100, index: 'audit', host: 'sluice' });
    const records = makeRecords(1_000);
    const outcome = await deliverAll(sink, records, context());
    assert.equal(outcome.delivered.length, 1_000);
    assert.equal(outcome.failed.length + outcome.rejected.length, 0);
    assert.equal(receiver.counters.requests, 10);
    assert.equal(receiver.events.length, 1_000);
    assert.equal(receiver.counters.duplicates, 0);
    assert.equal(receiver.lastHeaders?.['content-encoding'], 'gzip');
    assert.equal(receiver.lastHeaders?.authorization, 'Splunk test-hec-token');
    const first = receiver.events.find((event) => (event.event as { id: string }).id === 'rec-7');
    assert.deepEqual(first, {
      time: Number('1706813404.782960647'), // the exact digits are checked on the encoder's bytes
      host: 'sluice',
      index: 'audit',
      source: `s3://${records[7].bucket}/${records[7].key}`,
      sourcetype: 'strongdm:activities',
      event: records[7].value,
    });
  });

  it('indexes the log types of indexByLogType in their own index, the others in index', async () => {
    const { sink } = sinkFor({ index: 'audit', indexByLogType: { 'sluice-alerts': 'alerts' } });
    const records = [...makeRecords(3), ...makeRecords(2, 'sluice-alerts')].map((record, index) =>
      withValue(record, { id: `rec-${index}`, logType: record.logType }),
    );
    const outcome = await deliverAll(sink, records, context());
    assert.equal(outcome.delivered.length, 5);
    assert.deepEqual(
      receiver.events.map((event) => [(event.event as { logType: string }).logType, event.index]),
      [
        ['activities', 'audit'],
        ['activities', 'audit'],
        ['activities', 'audit'],
        ['sluice-alerts', 'alerts'],
        ['sluice-alerts', 'alerts'],
      ],
    );
  });

  it('retries 503 busy, 500 and connection resets until delivered', async () => {
    receiver.injectFaults('busy', 'reset', 'error', { delayMs: 20 });
    const { sink, time } = sinkFor();
    const observer = recordingObserver();
    const outcome = await sink.deliver(makeRecords(50), context(observer));
    assert.equal(outcome.delivered.length, 50);
    assert.equal(receiver.counters.requests, 4);
    assert.equal(receiver.events.length, 50);
    assert.equal(time.delays.length, 3);
    assert.deepEqual(
      observer.requests.map((request) => request.status),
      [503, 'network-error', 500, 200],
    );
  });

  it('partial acceptance: quarantines event N and resends only the events after it', async () => {
    const records = makeRecords(10);
    const poisoned = records.map((record, index) =>
      index === 4 ? withValue(record, { ...record.value, poison: true }) : record,
    );
    const { sink } = sinkFor();
    const outcome = await sink.deliver(poisoned, context());
    assert.deepEqual(ids(outcome.rejected.map((rejection) => rejection.record)), ['rec-4']);
    assert.equal(outcome.rejected[0].code, 'HEC_INVALID_EVENT');
    assert.match(outcome.rejected[0].reason, /Invalid data format/);
    assert.equal(outcome.delivered.length, 9);
    assert.equal(receiver.counters.requests, 2);
    assert.equal(receiver.events.length, 9, 'the head was indexed once, the tail once');
    assert.equal(receiver.counters.duplicates, 0);
  });

  it('a reset after indexing is retried: at-least-once, the receiver counts the duplicates', async () => {
    receiver.injectFaults('reset-after-indexing');
    const { sink } = sinkFor();
    const outcome = await sink.deliver(makeRecords(5), context());
    assert.equal(outcome.delivered.length, 5);
    assert.equal(receiver.counters.duplicates, 5);
  });

  it('413: splits the request until it fits', async () => {
    const small = await startHecReceiver({ maxContentLength: 2_000 });
    try {
      const secret = fakeSecret('test-hec-token');
      const sink = createSink(hecConfig(small.url, { gzip: false }), {
        secret: () => secret,
        ...virtualTime(),
      });
      sinks.push(sink);
      const outcome = await sink.deliver(makeRecords(40), context());
      assert.equal(outcome.delivered.length, 40);
      assert.equal(small.events.length, 40);
      assert.ok((small.counters.byStatus[413] ?? 0) > 0);
    } finally {
      await small.close();
    }
  });

  it('an invalid token fails after two requests (one secret refresh), without hammering', async () => {
    receiver.setToken('the-real-token');
    const { sink, secret, time } = sinkFor({}, fakeSecret('stale-token'));
    const observer = recordingObserver();
    const outcome = await sink.deliver(makeRecords(20), context(observer));
    assert.equal(outcome.failure?.code, 'DESTINATION_AUTH_FAILED');
    assert.equal(outcome.failed.length, 20);
    assert.equal(receiver.counters.requests, 2);
    assert.equal(receiver.counters.byStatus[403], 2);
    assert.equal(secret.refreshes, 1);
    assert.deepEqual(observer.authFailures, [403]);
    assert.deepEqual(time.delays, []);
  });

  it('picks up a rotated token on the refresh', async () => {
    receiver.setToken('rotated');
    const secret = fakeSecret('before-rotation');
    secret.value = 'rotated';
    const { sink } = sinkFor({}, secret);
    const outcome = await sink.deliver(makeRecords(3), context());
    assert.equal(outcome.delivered.length, 3);
    assert.equal(receiver.counters.requests, 2);
  });

  it('respects the deadline when HEC stays busy', async () => {
    const busy = await startHecReceiver({ busyProbability: 1 });
    try {
      const time = virtualTime();
      const secret = fakeSecret('test-hec-token');
      const sink = createSink(hecConfig(busy.url), {
        secret: () => secret,
        ...time,
        random: () => 0.99,
        retryPolicy: { maxRetries: 1_000 },
      });
      sinks.push(sink);
      const deadline = time.now() + 10_000;
      const outcome = await sink.deliver(makeRecords(5), { deadline });
      assert.equal(outcome.failure?.code, 'DESTINATION_UNAVAILABLE');
      assert.equal(outcome.failed.length, 5);
      assert.ok(time.now() < deadline, 'no attempt started after the deadline');
      assert.equal(busy.counters.requests, time.delays.length + 1);
      assert.equal(busy.events.length, 0);
    } finally {
      await busy.close();
    }
  });
});
