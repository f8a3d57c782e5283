import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { elasticsearchDestination } from '../../../../lambda/core/config/destinations';
import { context } from '../fixtures';
import {
  ARN,
  DAY,
  NOW,
  ROLLED_OVER,
  bulkAnswer,
  kinds,
  recordAt,
  scriptedCluster,
  settingsAnswer,
  sinkWith,
} from './scripted-cluster';

describe('the Elasticsearch sink with the rollover lookup', () => {
  it('steady state: one settings request per target per minute, no search, then _bulk', async () => {
    const cluster = scriptedCluster({});
    const { sink, advance } = sinkWith(cluster);
    const fresh = () => [recordAt('a', NOW - 60_000), recordAt('b', NOW - 1_000)];
    await sink.deliver(fresh(), context(undefined, NOW + 60_000));
    await sink.deliver(fresh(), context(undefined, NOW + 60_000));
    assert.deepEqual(kinds(cluster.requests), ['settings', 'bulk', 'bulk']);
    advance(61_000);
    await sink.deliver(fresh(), context(undefined, NOW + 120_000));
    assert.deepEqual(kinds(cluster.requests), ['settings', 'bulk', 'bulk', 'settings', 'bulk']);
    assert.equal(cluster.requests[0].path, '/logs-strongdm.activities-default/_settings/index.creation_date');
  });

  it('old records are looked up once per batch; those found count as delivered and are not sent', async () => {
    const cluster = scriptedCluster({
      search: [{ status: 200, body: '{"_shards":{"failed":0},"hits":{"hits":[{"_id":"old-1"}]}}' }],
    });
    const { sink } = sinkWith(cluster);
    const batch = [
      recordAt('old-1', NOW - 30 * DAY),
      recordAt('old-2', NOW - 30 * DAY),
      recordAt('new', NOW),
    ];
    const outcome = await sink.deliver(batch, context(undefined, NOW + 60_000));
    assert.deepEqual(kinds(cluster.requests), ['settings', 'search', 'bulk']);
    assert.deepEqual(JSON.parse(cluster.requests[1].body).query.ids.values, ['old-1', 'old-2']);
    const bulkIds = cluster.requests[2].body
      .split('\n')
      .filter((line) => line.startsWith('{"create"'))
      .map((line) => JSON.parse(line).create._id);
    assert.deepEqual(bulkIds, ['old-2', 'new']);
    assert.deepEqual(
      outcome.delivered.map((record) => record.id),
      ['old-1', 'old-2', 'new'],
    );
  });

  it('a lookup answered 503 or reset is retried after a backoff, like _bulk', async () => {
    const cluster = scriptedCluster({
      settings: [{ status: 503, body: '{}' }, 'reset', { status: 200, body: ROLLED_OVER }],
    });
    const { sink, delays } = sinkWith(cluster);
    const outcome = await sink.deliver([recordAt('a', NOW - 30 * DAY)], context(undefined, NOW + 60_000));
    assert.equal(outcome.failure, undefined);
    assert.equal(delays.length, 2);
    assert.deepEqual(kinds(cluster.requests), ['settings', 'settings', 'settings', 'search', 'bulk']);
  });

  it('a lookup that keeps failing fails the records (DESTINATION_UNAVAILABLE): never sent unchecked', async () => {
    const cluster = scriptedCluster({ search: [{ status: 503, body: '{}' }] });
    const { sink } = sinkWith(cluster);
    const outcome = await sink.deliver([recordAt('a', NOW - 30 * DAY)], context(undefined, NOW + 60_000));
    assert.equal(outcome.failure?.code, 'DESTINATION_UNAVAILABLE');
    assert.match(outcome.failure?.message ?? '', /rollover lookup/);
    assert.equal(outcome.failed.length, 1);
    assert.equal(kinds(cluster.requests).includes('bulk'), false);
  });

  it('404: not there yet, nothing to look up; an API the cluster lacks: warned once, sent unchecked', async () => {
    const missing = scriptedCluster({ settings: [{ status: 404, body: '{}' }] });
    const first = sinkWith(missing);
    await first.sink.deliver([recordAt('a', NOW - 30 * DAY)], context(undefined, NOW + 60_000));
    assert.deepEqual(kinds(missing.requests), ['settings', 'bulk']);
    assert.deepEqual(first.warnings, []);

    const lacking = scriptedCluster({ settings: [{ status: 400, body: '{"error":"no handler found"}' }] });
    const second = sinkWith(lacking);
    for (let round = 0; round < 2; round += 1) {
      const outcome = await second.sink.deliver(
        [recordAt('a', NOW - 30 * DAY)],
        context(undefined, NOW + 60_000),
      );
      assert.equal(outcome.delivered.length, 1);
    }
    assert.equal(second.warnings.length, 1);
    assert.match(second.warnings[0], /rolloverLookup: false/);
  });

  it('off (documentIds none, or rolloverLookup false): only _bulk', async () => {
    for (const extra of [{ documentIds: 'none' }, { rolloverLookup: false }]) {
      const cluster = scriptedCluster({});
      const { sink } = sinkWith(cluster, extra);
      await sink.deliver([recordAt('a', NOW - 30 * DAY)], context(undefined, NOW + 60_000));
      assert.deepEqual(kinds(cluster.requests), ['bulk']);
    }
  });

  it('refuses rolloverLookup: true with documentIds none at validation, naming the field and the fix', () => {
    const result = elasticsearchDestination.safeParse({
      type: 'elasticsearch',
      name: 'es',
      url: 'https://es.example.com',
      auth: { type: 'api-key', secretArn: ARN },
      documentIds: 'none',
      rolloverLookup: true,
    });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0].path, ['rolloverLookup']);
    assert.match(result.error?.issues[0].message ?? '', /Fix:/);
  });
});

describe('the rollover lookup on an alias, and a rollover inside the cache', () => {
  it('an alias whose write index is not its newest: asks _alias, then looks up every record, fresh ones too', async () => {
    const cluster = scriptedCluster({
      settings: [settingsAnswer({ 'audit-000001': NOW - 30 * DAY, 'audit-000002': NOW - DAY })],
      alias: [
        {
          status: 200,
          body: JSON.stringify({
            'audit-000001': { aliases: { audit: { is_write_index: true } } },
            'audit-000002': { aliases: { audit: { is_write_index: false } } },
          }),
        },
      ],
      search: [{ status: 200, body: '{"_shards":{"failed":0},"hits":{"hits":[{"_id":"fresh"}]}}' }],
    });
    const { sink, warnings } = sinkWith(cluster, { index: 'audit' });
    // An hour old: newer than every index's creation, yet it may be in audit-000002.
    const outcome = await sink.deliver(
      [recordAt('fresh', NOW - 3_600_000), recordAt('new', NOW)],
      context(undefined, NOW + 60_000),
    );
    assert.deepEqual(kinds(cluster.requests), ['settings', 'alias', 'search', 'bulk']);
    assert.equal(cluster.requests[1].path, '/_alias/audit');
    assert.deepEqual(JSON.parse(cluster.requests[2].body).query.ids.values, ['fresh', 'new']);
    assert.deepEqual(outcome.delivered.map((record) => record.id).sort(), ['fresh', 'new']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /every record of audit is looked up.*audit-000001 is not its newest index/);
  });

  it('a data stream needs no _alias request: its write index is its highest generation', async () => {
    const cluster = scriptedCluster({});
    const { sink } = sinkWith(cluster);
    await sink.deliver([recordAt('a', NOW - 30 * DAY)], context(undefined, NOW + 60_000));
    assert.deepEqual(kinds(cluster.requests), ['settings', 'search', 'bulk']);
  });

  it('_bulk writes to an index newer than the cached write index: copies found elsewhere are counted and logged, the target read again', async () => {
    const WRITE = '.ds-logs-strongdm.activities-default-2025.06.26-000002';
    const NEXT = '.ds-logs-strongdm.activities-default-2025.07.01-000003';
    const cluster = scriptedCluster({
      bulk: [bulkAnswer(WRITE, 2), bulkAnswer(NEXT, 2), bulkAnswer(NEXT, 2)],
      search: [
        {
          status: 200,
          body: JSON.stringify({
            _shards: { failed: 0 },
            hits: {
              hits: [
                { _id: 'b', _index: WRITE },
                { _id: 'b', _index: NEXT },
              ],
            },
          }),
        },
      ],
    });
    const { sink, warnings } = sinkWith(cluster);
    const seen: Array<{ duplicates?: number }> = [];
    const observer = {
      request: () => undefined,
      retry: () => undefined,
      authFailure: () => undefined,
      rolloverLookup: (_name: string, info: { duplicates?: number }) => seen.push(info),
    };
    const fresh = () => [recordAt('a', NOW - 60_000), recordAt('b', NOW - 60_000)];
    await sink.deliver(fresh(), context(observer, NOW + 60_000));
    assert.deepEqual(kinds(cluster.requests), ['settings', 'bulk']);
    // Rolled over meanwhile: _bulk answers with the new index; b had been written to the old one.
    const outcome = await sink.deliver(fresh(), context(observer, NOW + 60_000));
    assert.equal(outcome.delivered.length, 2);
    // The answer filled its size (b twice), so the id not found yet is asked again.
    assert.deepEqual(kinds(cluster.requests), ['settings', 'bulk', 'bulk', 'search', 'search']);
    assert.deepEqual(JSON.parse(cluster.requests[3].body).query.ids.values, ['a', 'b']);
    assert.deepEqual(seen.at(-1)?.duplicates, 1);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /rolled over while its write index was cached: 1 record\(s\) written to .*000003/,
    );
    // The next batch reads the target again, within the minute.
    await sink.deliver(fresh(), context(observer, NOW + 60_000));
    assert.equal(kinds(cluster.requests)[5], 'settings');
  });
});
