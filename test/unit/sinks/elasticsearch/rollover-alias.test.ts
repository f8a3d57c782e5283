import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SinkObserver } from '../../../../lambda/core/sinks/types';
import { context } from '../fixtures';
import {
  DAY,
  NOW,
  bulkAnswer,
  kinds,
  recordAt,
  scriptedCluster,
  settingsAnswer,
  sinkWith,
} from './scripted-cluster';

const A1 = '.ds-logs-a-2025.05.01-000001';
const A2 = '.ds-logs-a-2025.06.21-000002';
const B1 = '.ds-logs-b-2025.04.01-000001';

/** `GET /_alias/logs` of Elasticsearch 8 for an alias over two data streams, logs-a its write one. */
const DATA_STREAM_ALIAS = {
  status: 200,
  body: JSON.stringify({
    'logs-a': { aliases: { logs: { is_write_index: true } } },
    'logs-b': { aliases: { logs: {} } },
  }),
};

const newestAt = (at: number | null) => ({
  status: 200,
  body: JSON.stringify({ _shards: { failed: 0 }, timed_out: false, aggregations: { newest: { value: at } } }),
});

const searchedIds = (cluster: ReturnType<typeof scriptedCluster>): string[][] =>
  cluster.requests
    .filter((request) => request.path.endsWith('/_search') && !request.body.includes('"aggs"'))
    .map((request) => JSON.parse(request.body).query.ids.values);

describe('the rollover lookup on an alias over several data streams', () => {
  const indices = { [B1]: NOW - 90 * DAY, [A1]: NOW - 60 * DAY, [A2]: NOW - 10 * DAY };

  it("resolves the write data stream's write index: only records older than it are looked up", async () => {
    const cluster = scriptedCluster({
      settings: [settingsAnswer(indices)],
      alias: [DATA_STREAM_ALIAS],
      newest: [newestAt(NOW - 10 * DAY - 1_000)],
    });
    const { sink, warnings } = sinkWith(cluster, { index: 'logs' });
    const outcome = await sink.deliver(
      [recordAt('old', NOW - 20 * DAY), recordAt('fresh', NOW - 3_600_000)],
      context(undefined, NOW + 60_000),
    );
    assert.equal(outcome.failure, undefined);
    assert.deepEqual(kinds(cluster.requests), ['settings', 'alias', 'newest', 'search', 'bulk']);
    assert.deepEqual(searchedIds(cluster), [['old']], 'the fresh record is not looked up');
    const newest = JSON.parse(cluster.requests[2].body);
    assert.deepEqual(newest.query.bool.must_not, [{ term: { _index: A2 } }]);
    assert.deepEqual(warnings, []);
  });

  it('an alias whose write index is its newest, but whose older index was written later: records up to its newest are looked up', async () => {
    // audit-000002 made 10 days ago; is_write_index went back to audit-000001 until 2 days ago.
    const cluster = scriptedCluster({
      settings: [settingsAnswer({ 'audit-000001': NOW - 30 * DAY, 'audit-000002': NOW - 10 * DAY })],
      alias: [
        {
          status: 200,
          body: JSON.stringify({
            'audit-000001': { aliases: { audit: { is_write_index: false } } },
            'audit-000002': { aliases: { audit: { is_write_index: true } } },
          }),
        },
      ],
      newest: [newestAt(NOW - 2 * DAY)],
    });
    const { sink } = sinkWith(cluster, { index: 'audit' });
    await sink.deliver(
      [recordAt('moved-back', NOW - 5 * DAY), recordAt('fresh', NOW - 3_600_000)],
      context(undefined, NOW + 60_000),
    );
    assert.deepEqual(kinds(cluster.requests), ['settings', 'alias', 'newest', 'search', 'bulk']);
    assert.deepEqual(searchedIds(cluster), [['moved-back']]);
  });

  it("an alias's other indices that cannot be searched: every record is looked up, with a warning", async () => {
    const cluster = scriptedCluster({
      settings: [settingsAnswer(indices)],
      alias: [DATA_STREAM_ALIAS],
      newest: [{ status: 400, body: '{"error":"no handler"}' }],
    });
    const { sink, warnings } = sinkWith(cluster, { index: 'logs' });
    await sink.deliver([recordAt('fresh', NOW - 3_600_000)], context(undefined, NOW + 60_000));
    assert.deepEqual(searchedIds(cluster), [['fresh']]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /every record of logs is looked up.*other indices were written after/);
  });

  it('a writer without read on the alias (403): sent unchecked, warned once with the fix', async () => {
    const cluster = scriptedCluster({
      settings: [settingsAnswer(indices)],
      alias: [DATA_STREAM_ALIAS],
      newest: [{ status: 403, body: '{"error":{"type":"security_exception"}}' }],
    });
    const { sink, warnings } = sinkWith(cluster, { index: 'logs' });
    const outcome = await sink.deliver([recordAt('old', NOW - 20 * DAY)], context(undefined, NOW + 60_000));
    assert.equal(outcome.delivered.length, 1);
    assert.deepEqual(kinds(cluster.requests), ['settings', 'alias', 'newest', 'bulk']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /sent without the rollover lookup.*run `sluice setup elasticsearch/);
  });

  it('a data stream is never asked for its newest document elsewhere: it only rolls forward', async () => {
    const cluster = scriptedCluster({});
    const { sink } = sinkWith(cluster);
    await sink.deliver([recordAt('fresh', NOW - 60_000)], context(undefined, NOW + 60_000));
    assert.deepEqual(kinds(cluster.requests), ['settings', 'bulk']);
  });
});

describe('RolloverDuplicates after a rollover inside the cache', () => {
  const WRITE = '.ds-logs-strongdm.activities-default-2025.06.26-000002';
  const NEXT = '.ds-logs-strongdm.activities-default-2025.07.01-000003';

  it('counts only the copies this _bulk created: items the new index answered 409 were copied by an earlier request', async () => {
    const cluster = scriptedCluster({
      bulk: [bulkAnswer(WRITE, 2), bulkAnswer(NEXT, 2, 409)],
      search: [
        {
          status: 200,
          body: JSON.stringify({
            _shards: { failed: 0 },
            hits: {
              hits: [
                { _id: 'a', _index: WRITE },
                { _id: 'a', _index: NEXT },
              ],
            },
          }),
        },
      ],
    });
    const { sink, warnings } = sinkWith(cluster);
    const duplicates: number[] = [];
    const observer: SinkObserver = {
      request: () => undefined,
      retry: () => undefined,
      authFailure: () => undefined,
      rolloverLookup: (_name, info) => void duplicates.push(info.duplicates ?? 0),
    };
    const fresh = () => [recordAt('a', NOW - 60_000), recordAt('b', NOW - 60_000)];
    await sink.deliver(fresh(), context(observer, NOW + 60_000));
    const outcome = await sink.deliver(fresh(), context(observer, NOW + 60_000));
    assert.equal(outcome.delivered.length, 2);
    assert.deepEqual(kinds(cluster.requests), ['settings', 'bulk', 'bulk']);
    assert.deepEqual(duplicates, []);
    assert.deepEqual(warnings, []);
    // The rollover was seen all the same: the next batch reads the target again.
    await sink.deliver(fresh(), context(observer, NOW + 60_000));
    assert.equal(kinds(cluster.requests)[3], 'settings');
  });
});
