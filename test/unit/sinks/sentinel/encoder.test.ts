import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeIngestionBody,
  ingestionEncodedSize,
  timeGenerated,
} from '../../../../lambda/core/sinks/sentinel/encoder';
import { makeRecord } from '../fixtures';

const at = (iso: string) => ({ iso, epochSeconds: '0', epochMillis: Date.parse(iso) });
const body = (...records: ReturnType<typeof makeRecord>[]) =>
  JSON.parse(encodeIngestionBody(records).toString('utf8')) as Record<string, unknown>[];

describe('Logs Ingestion API encoder', () => {
  it('sends a JSON array whose rows carry TimeGenerated first, then the record as written', () => {
    const record = makeRecord({}, { json: '{"id":"a","n":1.50,"s":"é"}' });
    assert.equal(
      encodeIngestionBody([record, record]).toString('utf8'),
      '[{"TimeGenerated":"2024-02-01T18:50:04.7829606Z","id":"a","n":1.50,"s":"é"},' +
        '{"TimeGenerated":"2024-02-01T18:50:04.7829606Z","id":"a","n":1.50,"s":"é"}]',
    );
    assert.equal(encodeIngestionBody([]).toString(), '[]');
  });

  it('gives an empty record just its TimeGenerated', () => {
    assert.deepEqual(body(makeRecord({}, { json: '{ }' })), [
      { TimeGenerated: '2024-02-01T18:50:04.7829606Z' },
    ]);
  });

  it("keeps a record's own TimeGenerated, however its key is written", () => {
    const own = makeRecord({ TimeGenerated: '2020-01-01T00:00:00Z', id: 'x' });
    const escaped = makeRecord(
      { TimeGenerated: '2021-01-01T00:00:00Z' },
      { json: '{"\\u0054imeGenerated":"2021-01-01T00:00:00Z"}' },
    );
    assert.deepEqual(body(own, escaped), [
      { TimeGenerated: '2020-01-01T00:00:00Z', id: 'x' },
      { TimeGenerated: '2021-01-01T00:00:00Z' },
    ]);
    // A field that only mentions the name is not the column.
    assert.equal(
      body(makeRecord({ note: 'TimeGenerated' }))[0].TimeGenerated,
      '2024-02-01T18:50:04.7829606Z',
    );
  });

  it('writes TimeGenerated at 100 ns (a Kusto datetime), cutting finer digits, never rounding', () => {
    assert.equal(timeGenerated('2024-02-01T18:50:04.782960647Z'), '2024-02-01T18:50:04.7829606Z');
    assert.equal(timeGenerated('2024-02-01T18:50:04.99999999Z'), '2024-02-01T18:50:04.9999999Z');
    assert.equal(timeGenerated('2024-02-01T18:50:04.1234567Z'), '2024-02-01T18:50:04.1234567Z');
    assert.equal(timeGenerated('2024-02-01T18:50:04.5Z'), '2024-02-01T18:50:04.5Z');
    assert.equal(timeGenerated('2024-02-01T18:50:04Z'), '2024-02-01T18:50:04Z');
    const record = makeRecord({ id: 1 }, { timestamp: at('2024-02-01T18:50:04Z') });
    assert.equal(body(record)[0].TimeGenerated, '2024-02-01T18:50:04Z');
  });

  it('encodedSize is exact: the sizes of a batch add up to its body, less one byte', () => {
    const records = [
      makeRecord({ x: 'é' }),
      makeRecord({}, { json: '{}' }),
      makeRecord({ TimeGenerated: '2020-01-01T00:00:00Z' }),
      makeRecord({ y: 2 }, { timestamp: at('2024-02-01T18:50:04Z') }),
    ];
    for (let count = 1; count <= records.length; count += 1) {
      const batch = records.slice(0, count);
      const total = batch.reduce((sum, record) => sum + ingestionEncodedSize(record), 0);
      assert.equal(total + 1, encodeIngestionBody(batch).length, `${count} records`);
    }
  });
});
