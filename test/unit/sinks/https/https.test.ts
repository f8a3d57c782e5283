import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse } from '../../../../lambda/core/http/client';
import { classifyCollectorAnswer } from '../../../../lambda/core/sinks/https/classifier';
import { encodeJsonArray, jsonArrayEncodedSize } from '../../../../lambda/core/sinks/https/encoder';
import { makeRecord, makeRecords } from '../fixtures';

const answer = (status: number, body = ''): HttpResponse => ({ status, headers: {}, body });

describe('JSON array encoder', () => {
  it('joins record texts verbatim', () => {
    const a = makeRecord({}, { json: '{"a":1.0}' });
    const b = makeRecord({}, { json: '{"b":"é"}' });
    assert.equal(encodeJsonArray([a, b]).toString(), '[{"a":1.0},{"b":"é"}]');
    assert.equal(encodeJsonArray([]).toString(), '[]');
  });

  it('encodedSize sums to the body size (the extra byte covers the brackets)', () => {
    const records = [makeRecord({ x: 'é' }), makeRecord({ y: 2 })];
    const total = records.reduce((sum, record) => sum + jsonArrayEncodedSize(record), 0);
    assert.equal(total + 1, Buffer.byteLength(encodeJsonArray(records)));
  });
});

describe('classifyCollectorAnswer', () => {
  const batch = makeRecords(4);

  it('2xx delivered', () => {
    assert.equal(classifyCollectorAnswer(answer(204), batch).delivered, batch);
  });

  it('408/429/5xx retried', () => {
    for (const status of [408, 429, 500, 503])
      assert.equal(classifyCollectorAnswer(answer(status), batch).retry, batch);
  });

  it('400/422: the batch is rejected with the collector’s answer', () => {
    const result = classifyCollectorAnswer(answer(422, '{"error":"field x missing"}'), batch);
    assert.equal(result.rejected.length, 4);
    assert.equal(result.rejected[0].code, 'HTTPS_BATCH_REJECTED');
    assert.match(result.rejected[0].reason, /422.*field x missing/);
  });

  it('404 and other 4xx: the batch fails (configuration, not content)', () => {
    assert.equal(classifyCollectorAnswer(answer(404), batch).fatal?.code, 'HTTPS_REQUEST_REJECTED');
    assert.equal(classifyCollectorAnswer(answer(405), batch).fatal?.code, 'HTTPS_REQUEST_REJECTED');
  });

  it('401/403 auth path; 413 split', () => {
    assert.equal(classifyCollectorAnswer(answer(401), batch).authRefused?.status, 401);
    assert.equal(classifyCollectorAnswer(answer(413), batch).resend?.length, 2);
    assert.equal(
      classifyCollectorAnswer(answer(413), batch.slice(0, 1)).rejected[0].code,
      'HTTPS_RECORD_TOO_LARGE',
    );
  });
});
