import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBulkEncoder } from '../../../../lambda/core/sinks/elasticsearch/encoder';
import { bulkUrl } from '../../../../lambda/core/sinks/elasticsearch/url';
import { makeRecord } from '../fixtures';

const defaults = {
  index: 'logs-{source}.{logType}-default',
  indexByLogType: {},
  documentIds: 'record' as const,
};

describe('bulk encoder', () => {
  it('writes a create action with index and _id, and splices @timestamp into the source', () => {
    const encoder = createBulkEncoder(defaults);
    const record = makeRecord({ id: 'a1', user: 'x' });
    assert.equal(
      encoder.encode([record]).toString(),
      '{"create":{"_index":"logs-strongdm.activities-default","_id":"a1"}}\n' +
        '{"@timestamp":"2024-02-01T18:50:04.782960647Z","id":"a1","user":"x"}\n',
    );
  });

  it('keeps a record’s own @timestamp and its text untouched', () => {
    const encoder = createBulkEncoder(defaults);
    const json = '{"@timestamp":"2020-01-01T00:00:00Z","n":1.0}';
    const record = makeRecord({ '@timestamp': '2020-01-01T00:00:00Z', n: 1 }, { json });
    assert.equal(encoder.sourceLine(record), json);
  });

  it('handles empty objects', () => {
    const encoder = createBulkEncoder(defaults);
    assert.equal(
      encoder.sourceLine(makeRecord({}, { json: '{}' })),
      '{"@timestamp":"2024-02-01T18:50:04.782960647Z"}',
    );
    assert.equal(
      encoder.sourceLine(makeRecord({}, { json: '{ }' })),
      '{"@timestamp":"2024-02-01T18:50:04.782960647Z"}',
    );
  });

  it('omits _id when documentIds is none', () => {
    const encoder = createBulkEncoder({ ...defaults, documentIds: 'none' });
    assert.equal(
      encoder.actionLine(makeRecord()),
      '{"create":{"_index":"logs-strongdm.activities-default"}}',
    );
  });

  it('uses indexByLogType overrides and lower-cases index names', () => {
    const encoder = createBulkEncoder({ ...defaults, indexByLogType: { Admin: 'audit-{logType}' } });
    assert.equal(
      encoder.actionLine(makeRecord({ id: 'q"1' }, { logType: 'Admin' })),
      '{"create":{"_index":"audit-admin","_id":"q\\"1"}}',
    );
    assert.match(
      encoder.actionLine(makeRecord({}, { logType: 'GitHubAudit' })),
      /"logs-strongdm\.githubaudit-default"/,
    );
  });

  it('encodedSize is the exact UTF-8 size of both lines', () => {
    const encoder = createBulkEncoder(defaults);
    const records = [
      makeRecord({ id: 'a', msg: 'héllo ✓ 🚀' }),
      makeRecord({}, { json: '{}' }),
      makeRecord({ '@timestamp': 'x' }),
      makeRecord({ id: 'ü' }, { id: 'ü' }),
    ];
    for (const record of records)
      assert.equal(encoder.encodedSize(record), Buffer.byteLength(encoder.encode([record])));
  });
});

describe('bulkUrl', () => {
  it('omits filter_path when asked (OpenSearch Serverless)', () => {
    assert.equal(
      bulkUrl('https://aoss.example.com', { filterPath: false }).href,
      'https://aoss.example.com/_bulk',
    );
  });

  it('appends /_bulk once and asks for status/error only', () => {
    for (const url of [
      'https://es.example.com:9200',
      'https://es.example.com:9200/',
      'https://es.example.com:9200/_bulk',
    ]) {
      assert.equal(
        bulkUrl(url).href,
        'https://es.example.com:9200/_bulk?filter_path=errors%2Citems.*.status%2Citems.*.error',
      );
    }
  });
});
