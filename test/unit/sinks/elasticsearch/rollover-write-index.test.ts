import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataStreamWriteIndex } from '../../../../lambda/core/sinks/elasticsearch/rollover/backing-indices';
import {
  aliasWriteIndex,
  describeTarget,
  readAliasWriteIndex,
} from '../../../../lambda/core/sinks/elasticsearch/rollover/write-index';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 4, 1);

describe('which index of a target is its write index', () => {
  it('a data stream: the highest generation, named as Elasticsearch or OpenSearch name it', () => {
    const es = [
      { name: '.ds-logs-a-2025.06.01-000002', createdAt: T0 + 31 * DAY },
      { name: '.ds-logs-a-2025.05.01-000001', createdAt: T0 },
    ];
    assert.equal(dataStreamWriteIndex('logs-a', es)?.name, '.ds-logs-a-2025.06.01-000002');
    const os = [
      { name: '.ds-logs-a-000009', createdAt: T0 },
      { name: '.ds-logs-a-000010', createdAt: T0 + DAY },
    ];
    assert.equal(dataStreamWriteIndex('logs-a', os)?.name, '.ds-logs-a-000010');
  });

  it("not a data stream (an alias's indices, another stream's backing indices): only _alias can tell", () => {
    const indices = [
      { name: 'audit-000001', createdAt: T0 },
      { name: '.ds-logs-a-b-000002', createdAt: T0 + DAY },
    ];
    assert.equal(dataStreamWriteIndex('logs-a', indices), undefined);
  });

  it('an alias: the index marked is_write_index, or its only index when none is marked', () => {
    const marked = JSON.stringify({
      'audit-000001': { aliases: { audit: { is_write_index: true } } },
      'audit-000002': { aliases: { audit: { is_write_index: false } } },
    });
    assert.equal(readAliasWriteIndex(marked, 'audit'), 'audit-000001');
    assert.equal(readAliasWriteIndex('{"audit-000001":{"aliases":{"audit":{}}}}', 'audit'), 'audit-000001');
    const none = JSON.stringify({
      'audit-000001': { aliases: { audit: {} } },
      'audit-000002': { aliases: { audit: {} } },
    });
    assert.equal(readAliasWriteIndex(none, 'audit'), undefined, 'several indices, none to write to');
    assert.equal(readAliasWriteIndex('{"error":"alias [audit] missing","status":404}', 'audit'), undefined);
  });
});

describe('which records a target needs looked up', () => {
  const older = { name: 'audit-000001', createdAt: T0 };
  const newer = { name: 'audit-000002', createdAt: T0 + 10 * DAY };

  it('the write index is the newest: records older than it (the rule of a rolling data stream)', () => {
    assert.deepEqual(describeTarget('audit', [older, newer], 'audit-000002'), {
      kind: 'rolled-over',
      writeIndex: 'audit-000002',
      writeIndexCreatedAt: T0 + 10 * DAY,
      indices: 2,
    });
  });

  it('a newer index is not the write index (is_write_index moved back): every record', () => {
    const state = describeTarget('audit', [older, newer], 'audit-000001');
    assert.equal(state.kind, 'every-record');
    assert.match(
      state.kind === 'every-record' ? state.why : '',
      /audit-000001 is not its newest index \(audit-000002/,
    );
  });

  it('the write index could not be told: every record', () => {
    assert.equal(describeTarget('audit', [older, newer], undefined).kind, 'every-record');
    assert.equal(describeTarget('audit', [older, newer], 'gone-000003').kind, 'every-record');
  });

  it('one index (or none yet): create sees every id, nothing to look up', () => {
    assert.deepEqual(describeTarget('audit', [older], undefined), {
      kind: 'one-index',
      writeIndex: 'audit-000001',
    });
    assert.deepEqual(describeTarget('audit', [], undefined), { kind: 'one-index' });
  });
});

describe('the write index of an alias over data streams (Elasticsearch 8)', () => {
  const indices = [
    { name: '.ds-logs-b-2025.04.01-000001', createdAt: T0 - 30 * DAY },
    { name: '.ds-logs-a-2025.05.01-000001', createdAt: T0 },
    { name: '.ds-logs-a-2025.06.01-000002', createdAt: T0 + 31 * DAY },
  ];
  // RestGetAliasesAction: keyed by data stream; only the write data stream carries is_write_index.
  const answer = JSON.stringify({
    'logs-a': { aliases: { logs: { is_write_index: true } } },
    'logs-b': { aliases: { logs: {} } },
  });

  it("is the write data stream's highest generation", () => {
    const marked = readAliasWriteIndex(answer, 'logs');
    assert.equal(marked, 'logs-a');
    assert.equal(aliasWriteIndex(marked, indices), '.ds-logs-a-2025.06.01-000002');
    assert.equal(describeTarget('logs', indices, aliasWriteIndex(marked, indices)).kind, 'rolled-over');
  });

  it('an index alias names the index itself; a name behind nothing is not resolved', () => {
    const plain = [
      { name: 'audit-000001', createdAt: T0 },
      { name: 'audit-000002', createdAt: T0 + DAY },
    ];
    assert.equal(aliasWriteIndex('audit-000002', plain), 'audit-000002');
    assert.equal(aliasWriteIndex('logs-c', indices), undefined);
    assert.equal(aliasWriteIndex(undefined, indices), undefined);
  });
});
