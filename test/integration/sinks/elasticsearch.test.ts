import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createSigV4Signer } from '../../../lambda/adapters/sigv4-signer';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import type { Sink } from '../../../lambda/core/sinks/types';
import { startBulkReceiver, type BulkReceiver } from '../../support/receivers';
import {
  context,
  fakeSecret,
  ids,
  makeRecords,
  recordingObserver,
  withValue,
} from '../../unit/sinks/fixtures';
import { SECRET_ARN, deliverAll, esConfig, virtualTime } from './helpers';

const INDEX = 'logs-strongdm.activities-default';

describe('Elasticsearch sink against a _bulk receiver', () => {
  let receiver: BulkReceiver;
  const sinks: Sink[] = [];
  const sinkFor = (extra: Record<string, unknown> = {}, secret = fakeSecret('key-1'), url = receiver.url) => {
    const time = virtualTime();
    const sink = createSink(esConfig(url, extra), { secret: () => secret, ...time, random: () => 0.5 });
    sinks.push(sink);
    return { sink, secret, time };
  };

  before(async () => {
    receiver = await startBulkReceiver({
      auth: { apiKey: 'key-1' },
      mappingError: (document) => typeof (document as { seq?: unknown }).seq === 'string',
    });
  });
  afterEach(() => {
    receiver.clear();
    receiver.setAuth({ apiKey: 'key-1' });
    for (const sink of sinks.splice(0)) sink.close?.();
  });
  after(() => receiver.close());

  it('delivers every record as a document with its id and @timestamp', async () => {
    const { sink } = sinkFor({ maxBatchRecords: 250 });
    const records = makeRecords(1_000);
    const outcome = await deliverAll(sink, records, context());
    assert.equal(outcome.delivered.length, 1_000);
    assert.equal(outcome.failed.length + outcome.rejected.length, 0);
    assert.equal(receiver.counters.requests, 4);
    assert.equal(receiver.documents(INDEX).length, 1_000);
    assert.deepEqual(receiver.document(INDEX, 'rec-42'), {
      '@timestamp': '2024-02-01T18:50:04.782960647Z',
      ...records[42].value,
    });
    assert.equal(receiver.lastHeaders?.['content-type'], 'application/x-ndjson');
    assert.equal(receiver.lastHeaders?.['content-encoding'], 'gzip');
    assert.equal(receiver.lastHeaders?.authorization, 'ApiKey key-1');
  });

  it('per-item 429: resends only the refused items', async () => {
    receiver.injectFaults({ rejectItems: [1, 3, 8] });
    const { sink, time } = sinkFor();
    const outcome = await sink.deliver(makeRecords(10), context());
    assert.equal(outcome.delivered.length, 10);
    assert.equal(receiver.counters.requests, 2);
    assert.equal(receiver.counters.items, 13, 'first request 10 items, the retry only the 3 refused');
    assert.equal(receiver.counters.duplicates, 0);
    assert.equal(time.delays.length, 1);
    assert.equal(receiver.documents(INDEX).length, 10);
  });

  it('documents refused on their first attempts are retried until accepted', async () => {
    const flaky = await startBulkReceiver({ rejectFirstAttempts: 2 });
    try {
      const sink = createSink(esConfig(flaky.url, { auth: { type: 'basic', secretArn: SECRET_ARN } }), {
        secret: () => fakeSecret('{"username":"elastic","password":"changeme"}'),
        ...virtualTime(),
      });
      sinks.push(sink);
      const outcome = await sink.deliver(makeRecords(20), context());
      assert.equal(outcome.delivered.length, 20);
      assert.equal(flaky.counters.requests, 3);
      assert.equal(
        flaky.lastHeaders?.authorization,
        `Basic ${Buffer.from('elastic:changeme').toString('base64')}`,
      );
    } finally {
      await flaky.close();
    }
  });

  it('409 on create counts as delivered: resending a batch adds nothing', async () => {
    const { sink } = sinkFor();
    const records = makeRecords(25);
    await sink.deliver(records, context());
    const again = await sink.deliver(records, context());
    assert.deepEqual(ids(again.delivered), ids(records));
    assert.equal(receiver.counters.duplicates, 25);
    assert.equal(receiver.documents(INDEX).length, 25);
  });

  it('a reset after indexing is retried and the 409s make it exactly-once', async () => {
    receiver.injectFaults('reset-after-indexing');
    const { sink } = sinkFor();
    const outcome = await sink.deliver(makeRecords(12), context());
    assert.equal(outcome.delivered.length, 12);
    assert.equal(receiver.counters.requests, 2);
    assert.equal(receiver.documents(INDEX).length, 12);
  });

  it('whole-request 429, 503 and resets are retried', async () => {
    receiver.injectFaults('throttle', 'unavailable', 'reset');
    const { sink, time } = sinkFor();
    const outcome = await sink.deliver(makeRecords(8), context());
    assert.equal(outcome.delivered.length, 8);
    assert.equal(receiver.counters.requests, 4);
    assert.equal(time.delays.length, 3);
  });

  it('mapping errors are quarantined with the item’s type and reason, the rest delivered', async () => {
    const records = makeRecords(6).map((record, index) =>
      index === 2 ? withValue(record, { ...record.value, seq: 'two' }) : record,
    );
    const { sink } = sinkFor();
    const outcome = await sink.deliver(records, context());
    assert.equal(outcome.delivered.length, 5);
    assert.equal(outcome.rejected.length, 1);
    assert.equal(outcome.rejected[0].record.id, 'rec-2');
    assert.equal(outcome.rejected[0].code, 'ES_DOCUMENT_REJECTED');
    assert.match(outcome.rejected[0].reason, /^mapper_parsing_exception: /);
    assert.equal(receiver.counters.requests, 1);
  });

  it('413: splits until each request fits', async () => {
    const small = await startBulkReceiver({ maxContentLength: 3_000 });
    try {
      const { sink } = sinkFor({ gzip: false }, fakeSecret('x'), small.url);
      const outcome = await sink.deliver(makeRecords(60), context());
      assert.equal(outcome.delivered.length, 60);
      assert.equal(small.documents().length, 60);
      assert.ok((small.counters.byStatus[413] ?? 0) > 0);
    } finally {
      await small.close();
    }
  });

  it('a refused API key fails after one refresh (two requests)', async () => {
    receiver.setAuth({ apiKey: 'other' });
    const { sink, secret } = sinkFor();
    const observer = recordingObserver();
    const outcome = await sink.deliver(makeRecords(4), context(observer));
    assert.equal(outcome.failure?.code, 'DESTINATION_AUTH_FAILED');
    // The first request of a target is the rollover lookup's (its backing indices): refused the same way.
    assert.equal(receiver.counters.requests + receiver.counters.settingsRequests, 2);
    assert.equal(secret.refreshes, 1);
    assert.deepEqual(observer.authFailures, [401]);
  });

  it('documentIds none lets the cluster choose ids', async () => {
    const { sink } = sinkFor({ documentIds: 'none', index: 'plain-{logType}' });
    const outcome = await sink.deliver(makeRecords(5), context());
    assert.equal(outcome.delivered.length, 5);
    assert.equal(receiver.documents('plain-activities').length, 5);
    assert.equal(receiver.document('plain-activities', 'rec-0'), undefined);
  });

  it('data streams accept the create actions and the spliced @timestamp', async () => {
    const streams = await startBulkReceiver({ dataStreams: true });
    try {
      const { sink } = sinkFor({}, fakeSecret('x'), streams.url);
      const outcome = await sink.deliver(makeRecords(5), context());
      assert.equal(outcome.delivered.length, 5);
      assert.equal(streams.counters.documentErrors, 0);
    } finally {
      await streams.close();
    }
  });

  it('signs the exact gzipped bytes with SigV4 (x-amz-content-sha256 matches what was received)', async () => {
    const signed = await startBulkReceiver({ auth: { sigv4: true } });
    try {
      const signer = (region: string, service: 'es' | 'aoss') =>
        createSigV4Signer(region, service, async () => ({
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'secret',
          sessionToken: 'session',
        }));
      const sink = createSink(
        esConfig(signed.url, {
          auth: {
            type: 'sigv4',
            region: 'eu-west-1',
            service: 'aoss',
            resourceArn: 'arn:aws:aoss:eu-west-1:123456789012:collection/logs',
          },
        }),
        {
          secret: () => {
            throw new Error('no secret for sigv4');
          },
          signer,
          ...virtualTime(),
        },
      );
      sinks.push(sink);
      const outcome = await sink.deliver(makeRecords(30), context());
      assert.equal(outcome.delivered.length, 30);
      const headers = signed.lastHeaders ?? {};
      assert.match(
        String(headers.authorization),
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aoss\/aws4_request, SignedHeaders=.*content-encoding.*host.*x-amz-content-sha256;x-amz-date;x-amz-security-token/,
      );
      assert.equal(headers['x-amz-security-token'], 'session');
      assert.equal(headers['content-encoding'], 'gzip');
    } finally {
      await signed.close();
    }
  });
});
