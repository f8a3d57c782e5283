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
const ALIAS = 'audit';
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

describe('Elasticsearch rollover lookup edges: an alias written to an older index, a rollover inside the cache (local Elasticsearch)', () => {
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

  /** A sink (an execution environment); `now` frozen, so that its 60 s cache outlives the test. */
  const sinkFor = (extra: Record<string, unknown>, names: string[], now?: () => number): Sink => {
    const sink = createSink(esConfig(receiver.url, extra), {
      secret: () => fakeSecret(keyFor(names)),
      random: () => 0.5,
      log: { warn: (message, fields) => warnings.push({ message, fields }) },
      ...(now ? { now } : {}),
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
    receiver.state.aliases.clear();
  });
  after(async () => {
    for (const sink of sinks.splice(0)) sink.close?.();
    await receiver.close();
  });

  it('an alias whose is_write_index was moved back to an older index: every record is looked up, none indexed twice', async () => {
    const now = Date.now();
    const alias = receiver.createAlias(ALIAS, now - 10 * DAY);
    receiver.rollover(ALIAS, now - DAY);
    // An hour old: written to the newest index, audit-000002.
    const records = recordsAt(10, now - 3_600_000, 'moved');
    const first = await sinkFor({ index: ALIAS }, [ALIAS]).deliver(records, context());
    assert.equal(first.delivered.length, 10, first.failure?.message);
    assert.equal(alias.indices[1].documents.size, 10);

    alias.moveWriteIndex(`${ALIAS}-000001`);
    const { observer, seen } = counting();
    const resend = await sinkFor({ index: ALIAS }, [ALIAS]).deliver(records, context(observer));
    assert.equal(resend.delivered.length, 10, resend.failure?.message);
    assert.equal(receiver.documentCount(ALIAS), 10, 'no second copy in audit-000001');
    assert.deepEqual(seen, { checked: 10, found: 10, duplicates: 0 });
    assert.ok(receiver.requests.some((request) => request.path === `/_alias/${ALIAS}`));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0].message,
      /every record of audit is looked up.*audit-000001 is not its newest index/,
    );
  });

  it('a data stream rolled over inside the cache: the copies _bulk made are counted and logged, and the next batch is looked up', async () => {
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

    const sink = sinkFor({}, [STREAM], () => now);
    const { observer, seen } = counting();
    const records = recordsAt(20, now - 120_000, 'fresh');
    assert.equal((await sink.deliver(records, context(observer))).delivered.length, 20);
    // Rolled over after they were written, while this sink still holds the old write index.
    receiver.rollover(STREAM, now - 60_000);

    const again = await sink.deliver(records.slice(0, 5), context(observer));
    assert.equal(again.delivered.length, 5, again.failure?.message);
    assert.equal(receiver.documentCount(STREAM), 25, 'create could not see them: five second copies');
    assert.equal(seen.duplicates, 5);
    const warned = warnings.find((warning) =>
      /rolled over while its write index was cached/.test(warning.message),
    );
    assert.ok(warned, JSON.stringify(warnings));
    assert.deepEqual(warned.fields?.ids, ['fresh-0', 'fresh-1', 'fresh-2', 'fresh-3', 'fresh-4']);

    const rest = await sink.deliver(records.slice(5), context(observer));
    assert.equal(rest.delivered.length, 15, rest.failure?.message);
    assert.equal(receiver.documentCount(STREAM), 25, 'the next batch is checked against the new write index');
    assert.deepEqual({ checked: seen.checked, found: seen.found }, { checked: 15, found: 15 });
  });
});
