import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { Sink, SinkObserver } from '../../../lambda/core/sinks/types';
import {
  startElasticsearchAdminReceiver,
  type AdminReceiver,
} from '../../support/receivers/elasticsearch-admin-receiver';
import { context, fakeSecret, makeRecord } from '../../unit/sinks/fixtures';
import { esConfig } from './helpers';

const STREAM = 'logs-strongdm.activities-default';
const DAY = 86_400_000;

/** Records of an object written `ageMs` ago (their time is when they happened, before the write). */
function objectRecords(count: number, ageMs: number, prefix = 'rec'): OutboundRecord[] {
  const at = Date.now() - ageMs;
  return Array.from({ length: count }, (_, index) => {
    const millis = at + index;
    const iso = new Date(millis).toISOString();
    return makeRecord(
      { id: `${prefix}-${index}`, action: 'login' },
      { offset: index * 100, timestamp: { iso, epochSeconds: String(millis / 1000), epochMillis: millis } },
    );
  });
}

function lookupObserver() {
  const seen = { checked: 0, found: 0, unchecked: 0 };
  const observer: SinkObserver = {
    request: () => undefined,
    retry: () => undefined,
    authFailure: () => undefined,
    rolloverLookup: (_name, info) => {
      seen.checked += info.checked;
      seen.found += info.found;
      seen.unchecked += info.unchecked;
    },
  };
  return { observer, seen };
}

const apiKey = (receiver: AdminReceiver, privileges: string[]): string => {
  const key = receiver.state.createApiKey(
    'sluice-es-writer',
    receiver.admin.username,
    {
      'sluice-es-writer': {
        cluster: [],
        indices: [{ names: [STREAM], privileges, allow_restricted_indices: false }],
        metadata: {},
      },
    },
    {},
  );
  return Buffer.from(`${key.id}:${key.key}`).toString('base64');
};

const WRITER = ['create_doc', 'auto_configure'];
const WRITER_WITH_LOOKUP = [...WRITER, 'read', 'view_index_metadata'];

describe('Elasticsearch data stream rollover: a resend finds what older backing indices hold (local Elasticsearch)', () => {
  let receiver: AdminReceiver;
  const sinks: Sink[] = [];
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];

  const sinkFor = (key: string, extra: Record<string, unknown> = {}) => {
    const sink = createSink(esConfig(receiver.url, extra), {
      secret: () => fakeSecret(key),
      random: () => 0.5,
      log: { warn: (message, fields) => warnings.push({ message, fields }) },
    });
    sinks.push(sink);
    return sink;
  };

  before(async () => {
    receiver = await startElasticsearchAdminReceiver();
  });
  beforeEach(async () => {
    for (const sink of sinks.splice(0)) sink.close?.();
    warnings.splice(0);
    receiver.state.dataStreams.clear();
    // The data stream as setup makes it: from a data-stream template.
    const admin = {
      authorization: `Basic ${Buffer.from(`${receiver.admin.username}:${receiver.admin.password}`).toString('base64')}`,
    };
    for (const [path, body] of [
      [`/_index_template/sluice-${STREAM}`, { index_patterns: [STREAM], data_stream: {}, priority: 200 }],
      [`/_data_stream/${STREAM}`, undefined],
    ] as const) {
      const answer = await fetch(`${receiver.url}${path}`, {
        method: 'PUT',
        headers: { ...admin, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(answer.status < 300 || answer.status === 400, `${path}: ${answer.status}`);
    }
    // Made three days ago, so that a test can roll it over at any time since.
    const stream = receiver.state.dataStreams.get(STREAM)!;
    stream.indices.splice(0);
    stream.rollover(Date.now() - 3 * DAY);
  });
  after(async () => {
    for (const sink of sinks.splice(0)) sink.close?.();
    await receiver.close();
  });

  it('delivers, rolls over, then the same records again add no document: found in the older index, counted delivered', async () => {
    const sink = sinkFor(apiKey(receiver, WRITER_WITH_LOOKUP));
    const records = objectRecords(50, 2 * DAY);
    const first = await sink.deliver(records, context());
    assert.equal(first.delivered.length, 50, first.failure?.message);
    assert.equal(receiver.documentCount(STREAM), 50);

    receiver.rollover(STREAM);
    // A new sink: a new execution environment, or the same one once its cached view has expired.
    const later = sinkFor(apiKey(receiver, WRITER_WITH_LOOKUP));
    const { observer, seen } = lookupObserver();
    const replay = await later.deliver(records, context(observer));
    assert.equal(replay.delivered.length, 50, replay.failure?.message);
    assert.equal(receiver.documentCount(STREAM), 50, 'no second copy in the new write index');
    assert.deepEqual(seen, { checked: 50, found: 50, unchecked: 0 });
    assert.equal(
      receiver.requests.filter((request) => request.path.startsWith(`/${STREAM}/_search`)).length,
      1,
      'one ids search for the batch',
    );
    assert.deepEqual(warnings, []);
  });

  it('sends what the older indices do not hold, and only looks up records older than the write index', async () => {
    const sink = sinkFor(apiKey(receiver, WRITER_WITH_LOOKUP));
    const old = objectRecords(10, 2 * DAY, 'old');
    await sink.deliver(old.slice(0, 5), context());
    // Rolled over a day ago: today's records can only be in the write index.
    receiver.rollover(STREAM, Date.now() - DAY);
    const fresh = objectRecords(10, 60_000, 'fresh');
    const later = sinkFor(apiKey(receiver, WRITER_WITH_LOOKUP));
    const { observer, seen } = lookupObserver();
    const outcome = await later.deliver([...old, ...fresh], context(observer));
    assert.equal(outcome.delivered.length, 20, outcome.failure?.message);
    assert.equal(
      receiver.documentCount(STREAM),
      20,
      'the 5 old records already indexed are not indexed again',
    );
    assert.deepEqual(seen, { checked: 10, found: 5, unchecked: 0 });

    // Steady state: only records newer than the write index: no search at all, only _bulk.
    const searches = () => receiver.requests.filter((request) => request.path.includes('/_search')).length;
    const before = searches();
    const steady = await later.deliver(objectRecords(10, 30_000, 'steady'), context(observer));
    assert.equal(steady.delivered.length, 10);
    assert.equal(searches(), before);
  });

  it('a writer role without the lookup privileges (403): delivers unchecked, warns once naming the fix, counts what went unchecked', async () => {
    const key = apiKey(receiver, WRITER);
    const sink = sinkFor(key);
    const records = objectRecords(20, 2 * DAY);
    assert.equal((await sink.deliver(records, context())).delivered.length, 20);
    receiver.rollover(STREAM);
    const { observer, seen } = lookupObserver();
    warnings.splice(0);
    const later = sinkFor(key);
    const outcome = await later.deliver(records, context(observer));
    assert.equal(outcome.failure, undefined);
    assert.equal(outcome.delivered.length, 20);
    assert.equal(receiver.documentCount(STREAM), 40, 'as before the lookup existed: a second copy');
    assert.equal(seen.unchecked, 20);
    await later.deliver(records.slice(0, 5), context(observer));
    assert.equal(warnings.length, 1, 'once per target');
    assert.match(warnings[0].message, /sluice setup elasticsearch/);
    assert.equal(warnings[0].fields?.status, 403);
    assert.equal(JSON.stringify(warnings).includes(key), false, 'no credential in the log');
  });

  it('without the lookup (rolloverLookup: false), a resend after a rollover is indexed twice: the limitation it removes', async () => {
    const records = objectRecords(10, 2 * DAY);
    await sinkFor(apiKey(receiver, WRITER_WITH_LOOKUP), { rolloverLookup: false }).deliver(
      records,
      context(),
    );
    receiver.rollover(STREAM);
    await sinkFor(apiKey(receiver, WRITER_WITH_LOOKUP), { rolloverLookup: false }).deliver(
      records,
      context(),
    );
    assert.equal(receiver.documentCount(STREAM), 20);
  });
});
