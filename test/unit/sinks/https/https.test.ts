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

  it('400/422: the content was refused; the delivery loop isolates the records to blame', () => {
    for (const status of [400, 422]) {
      const result = classifyCollectorAnswer(answer(status, '{"error":"field x missing"}'), batch);
      assert.equal(result.refused?.code, 'HTTPS_BATCH_REJECTED');
      assert.equal(result.refused?.reason, `collector ${status}: {"error":"field x missing"}`);
      assert.deepEqual([result.delivered, result.rejected, result.retry], [[], [], []]);
    }
    const alone = classifyCollectorAnswer(answer(422, '{"error":"field x missing"}'), batch.slice(0, 1));
    assert.equal(alone.rejected.length, 1);
    assert.match(alone.rejected[0].reason, /422.*field x missing/);
  });

  it('415: no half would pass (the media type is refused), so the batch is quarantined whole', () => {
    const result = classifyCollectorAnswer(answer(415, 'unsupported media type'), batch);
    assert.equal(result.refused, undefined);
    assert.equal(result.rejected.length, 4);
    assert.equal(result.rejected[0].code, 'HTTPS_BATCH_REJECTED');
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
