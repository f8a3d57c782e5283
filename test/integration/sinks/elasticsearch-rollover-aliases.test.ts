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
const LOOKUP = ['create_doc', 'auto_configure', 'read', 'view_index_metadata'];

function recordsAt(count: number, at: number, prefix: string): OutboundRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const millis = at + index;
    const iso = new Date(millis).toISOString();
    return makeRecord(
      { id: `${prefix}-${index}`, action: 'login' },
      { offset: index * 100, timestamp: { iso, epochSeconds: String(millis / 1000), epochMillis: millis } },
    );
  });
}

function counting() {
  const seen = { checked: 0, found: 0, duplicates: 0 };
  const observer: SinkObserver = {
    request: () => undefined,
    retry: () => undefined,
    authFailure: () => undefined,
    rolloverLookup: (_name, info) => {
      seen.checked += info.checked;
      seen.found += info.found;
      seen.duplicates += info.duplicates ?? 0;
    },
  };
  return { observer, seen };
}

describe('Elasticsearch rollover lookup on aliases: over several data streams, a write index moved back and forth; RolloverDuplicates (local Elasticsearch)', () => {
  let receiver: AdminReceiver;
  const sinks: Sink[] = [];
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];

  const keyFor = (names: string[]): string => {
    const key = receiver.state.createApiKey(
      'sluice-es-writer',
      receiver.admin.username,
      {
        writer: {
          cluster: [],
          indices: [{ names, privileges: LOOKUP, allow_restricted_indices: false }],
          metadata: {},
        },
      },
      {},
    );
    return Buffer.from(`${key.id}:${key.key}`).toString('base64');
  };

  /** A sink (an execution environment); with `now` frozen, its 60 s cache outlives the test. */
  const sinkFor = (index: string, now?: () => number): Sink => {
    const sink = createSink(esConfig(receiver.url, index === STREAM ? {} : { index }), {
      secret: () => fakeSecret(keyFor([index])),
      random: () => 0.5,
      log: { warn: (message, fields) => warnings.push({ message, fields }) },
      ...(now ? { now } : {}),
    });
    sinks.push(sink);
    return sink;
  };

  const idSearches = (target: string): string[][] =>
    receiver.requests
      .filter((request) => request.path.startsWith(`/${target}/_search`))
      .map((request) => (request.body as { query?: { ids?: { values: string[] } } }).query?.ids?.values)
      .filter((values): values is string[] => values !== undefined);

  before(async () => {
    receiver = await startElasticsearchAdminReceiver();
  });
  beforeEach(async () => {
    for (const sink of sinks.splice(0)) sink.close?.();
    warnings.splice(0);
    receiver.state.dataStreams.clear();
    receiver.state.aliases.clear();
    (receiver.requests as unknown[]).splice(0);
  });
  after(async () => {
    for (const sink of sinks.splice(0)) sink.close?.();
    await receiver.close();
  });

  it('an alias over two data streams: only records older than the write data stream’s write index are looked up, none indexed twice', async () => {
    const now = Date.now();
    const alias = receiver.createDataStreamAlias('logs', ['logs-a', 'logs-b'], 'logs-a', now - 60 * DAY);
    receiver.rollover('logs', now - 10 * DAY);
    const [streamA] = alias.dataStreams;
    const old = recordsAt(5, now - 20 * DAY, 'old');
    for (const record of old) {
      streamA.indices[0].documents.set(record.id, { '@timestamp': record.timestamp.iso });
    }
    const fresh = recordsAt(10, now - 3_600_000, 'fresh');

    const { observer, seen } = counting();
    const outcome = await sinkFor('logs').deliver([...old, ...fresh], context(observer));
    assert.equal(outcome.delivered.length, 15, outcome.failure?.message);
    assert.deepEqual(
      { checked: seen.checked, found: seen.found },
      { checked: 5, found: 5 },
      'the fresh records are not looked up',
    );
    assert.deepEqual(idSearches('logs'), [old.map((record) => record.id)]);
    assert.equal(receiver.documentCount('logs'), 15);
    assert.equal(streamA.writeIndex.documents.size, 10);
    assert.ok(receiver.requests.some((request) => request.path === '/_alias/logs'));
    assert.deepEqual(warnings, []);
  });

  it('the write data stream moved to another stream and back: what that stream got meanwhile is looked up', async () => {
    const now = Date.now();
    const alias = receiver.createDataStreamAlias('logs', ['logs-a', 'logs-b'], 'logs-a', now - 60 * DAY);
    receiver.rollover('logs', now - 10 * DAY);
    alias.moveWriteDataStream('logs-b');
    // Stamped after logs-a's write index was made, written to logs-b's older index.
    const meanwhile = recordsAt(10, now - 5 * DAY, 'meanwhile');
    const first = await sinkFor('logs').deliver(meanwhile, context());
    assert.equal(first.delivered.length, 10, first.failure?.message);
    assert.equal(alias.dataStreams[1].writeIndex.documents.size, 10);
    alias.moveWriteDataStream('logs-a');

    const { observer, seen } = counting();
    const resend = await sinkFor('logs').deliver(meanwhile, context(observer));
    assert.equal(resend.delivered.length, 10, resend.failure?.message);
    assert.equal(receiver.documentCount('logs'), 10, 'no second copy in logs-a');
    assert.deepEqual({ checked: seen.checked, found: seen.found }, { checked: 10, found: 10 });
  });

  it('an index alias whose is_write_index went back to an older index and forward again: its records are looked up, none indexed twice', async () => {
    const now = Date.now();
    const alias = receiver.createAlias('audit', now - 30 * DAY);
    receiver.rollover('audit', now - 10 * DAY);
    alias.moveWriteIndex('audit-000001');
    const meanwhile = recordsAt(10, now - 5 * DAY, 'meanwhile');
    const first = await sinkFor('audit').deliver(meanwhile, context());
    assert.equal(first.delivered.length, 10, first.failure?.message);
    assert.equal(alias.indices[0].documents.size, 10);
    // Back on the newest index: by creation dates alone, nothing older than 10 days needs a lookup.
    alias.moveWriteIndex('audit-000002');

    const { observer, seen } = counting();
    const resend = await sinkFor('audit').deliver(
      [...meanwhile, ...recordsAt(3, now - 60_000, 'fresh')],
      context(observer),
    );
    assert.equal(resend.delivered.length, 13, resend.failure?.message);
    assert.equal(receiver.documentCount('audit'), 13, 'no second copy in audit-000002');
    assert.deepEqual({ checked: seen.checked, found: seen.found }, { checked: 10, found: 10 });
  });

  it('RolloverDuplicates counts a copy once: a second stale environment that meets it (409 from the new index) adds none', async () => {
    const now = Date.now();
    const admin = {
      authorization: `Basic ${Buffer.from(`${receiver.admin.username}:${receiver.admin.password}`).toString('base64')}`,
      'content-type': 'application/json',
    };
    for (const [path, body] of [
      [`/_index_template/sluice-${STREAM}`, { index_patterns: [STREAM], data_stream: {}, priority: 200 }],
      [`/_data_stream/${STREAM}`, undefined],
    ] as const) {
      const answer = await fetch(`${receiver.url}${path}`, {
        method: 'PUT',
        headers: admin,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(answer.status < 300, `${path}: ${answer.status}`);
    }
    const stream = receiver.state.dataStreams.get(STREAM)!;
    stream.indices.splice(0);
    stream.rollover(now - 3 * DAY);

    const { observer, seen } = counting();
    const records = recordsAt(5, now - 120_000, 'fresh');
    const first = sinkFor(STREAM, () => now);
    const second = sinkFor(STREAM, () => now);
    assert.equal((await first.deliver(records, context(observer))).delivered.length, 5);
    // The second environment caches the same write index.
    assert.equal((await second.deliver(recordsAt(1, now - 60_000, 'warm'), context())).delivered.length, 1);
    receiver.rollover(STREAM, now - 60_000);

    assert.equal((await first.deliver(records, context(observer))).delivered.length, 5);
    assert.equal(seen.duplicates, 5, 'the first stale environment made five copies');
    assert.equal(receiver.documentCount(STREAM), 11);

    const again = await second.deliver(records, context(observer));
    assert.equal(again.delivered.length, 5, again.failure?.message);
    assert.equal(receiver.documentCount(STREAM), 11, 'answered 409 by the new index: no new copy');
    assert.equal(seen.duplicates, 5, 'and none counted twice');
  });
});
