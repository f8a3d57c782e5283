import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCreationDates } from '../../../../lambda/core/sinks/elasticsearch/rollover/backing-indices';
import { readSearchAnswer, searchBody } from '../../../../lambda/core/sinks/elasticsearch/rollover/id-search';
import {
  CLOCK_MARGIN_MS,
  mayBeInOlderIndex,
} from '../../../../lambda/core/sinks/elasticsearch/rollover/lookup-decision';

const at = (epochMillis: number) => ({ timestamp: { iso: '', epochSeconds: '', epochMillis } });

describe('which records need the rollover lookup', () => {
  const created = Date.UTC(2025, 5, 1);
  const now = created + 10 * 86_400_000;

  it('a record older than the write index may be in an older backing index', () => {
    assert.equal(mayBeInOlderIndex(at(created - 1), created, now), true);
    assert.equal(mayBeInOlderIndex(at(created - 30 * 86_400_000), created, now), true);
  });

  it('a record at or after the write index (past the clock margin) can only be in the write index', () => {
    assert.equal(mayBeInOlderIndex(at(created + CLOCK_MARGIN_MS), created, now), false);
    assert.equal(mayBeInOlderIndex(at(now - 1_000), created, now), false, 'steady state: no lookup');
  });

  it('within the clock margin after the rollover, and stamped in the future, it is looked up anyway', () => {
    assert.equal(mayBeInOlderIndex(at(created + CLOCK_MARGIN_MS - 1), created, now), true);
    assert.equal(mayBeInOlderIndex(at(now + CLOCK_MARGIN_MS + 1), created, now), true);
  });
});

describe('reading the backing indices from GET <target>/_settings/index.creation_date', () => {
  it('every index and its creation date, flat or nested settings alike', () => {
    const body = JSON.stringify({
      '.ds-logs-a-2025.05.01-000001': { settings: { 'index.creation_date': '1746057600000' } },
      '.ds-logs-a-2025.06.01-000002': { settings: { index: { creation_date: '1748736000000' } } },
    });
    assert.deepEqual(readCreationDates(body), [
      { name: '.ds-logs-a-2025.05.01-000001', createdAt: 1746057600000 },
      { name: '.ds-logs-a-2025.06.01-000002', createdAt: 1748736000000 },
    ]);
  });

  it('an answer without dates cannot be read', () => {
    assert.equal(readCreationDates('{"a":{"settings":{}},"b":{"settings":{}}}'), undefined);
    assert.equal(readCreationDates('<html>'), undefined);
    assert.equal(readCreationDates('[]'), undefined);
  });
});

describe('the ids search', () => {
  it('asks for exactly the ids, without sources', () => {
    assert.deepEqual(JSON.parse(searchBody(['a', 'b'])), {
      query: { ids: { values: ['a', 'b'] } },
      _source: false,
      size: 2,
      track_total_hits: false,
    });
  });

  it('reads the ids found; an empty answer under filter_path finds none', () => {
    const found = readSearchAnswer(
      '{"_shards":{"failed":0},"timed_out":false,"hits":{"hits":[{"_id":"a"}]}}',
    );
    assert.deepEqual(found.kind === 'found' && [...found.ids], ['a']);
    const none = readSearchAnswer('{"_shards":{"failed":0},"timed_out":false}');
    assert.deepEqual(none.kind === 'found' && [...none.ids], []);
  });

  it('a search some shard did not answer, or that timed out, proves nothing', () => {
    assert.equal(readSearchAnswer('{"_shards":{"failed":1},"timed_out":false}').kind, 'incomplete');
    assert.equal(readSearchAnswer('{"_shards":{"failed":0},"timed_out":true}').kind, 'incomplete');
    assert.equal(readSearchAnswer('{"hits":{"hits":[]}}').kind, 'unreadable');
  });
});
