import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse } from '../../../../lambda/core/http/client';
import { classifyBulkAnswer } from '../../../../lambda/core/sinks/elasticsearch/classifier';
import { ids, makeRecords } from '../fixtures';

const answer = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const item = (status: number, error?: { type: string; reason: string }) => ({
  create: { status, ...(error ? { error } : {}) },
});

describe('classifyBulkAnswer', () => {
  const batch = makeRecords(6);

  it('errors:false: everything delivered without reading items', () => {
    const result = classifyBulkAnswer(
      answer(200, '{"took":3,"errors":false,"items":[garbage that is never parsed'),
      batch,
    );
    assert.deepEqual(ids(result.delivered), ids(batch));
    const filtered = classifyBulkAnswer(answer(200, { errors: false }), batch);
    assert.equal(filtered.delivered.length, 6);
  });

  it('per item: 201 delivered, 409 delivered, 429/5xx retried, other 4xx rejected with type and reason', () => {
    const result = classifyBulkAnswer(
      answer(200, {
        errors: true,
        items: [
          item(201),
          item(409, { type: 'version_conflict_engine_exception', reason: '[rec-1]: version conflict' }),
          item(429, { type: 'es_rejected_execution_exception', reason: 'rejected execution' }),
          item(400, { type: 'mapper_parsing_exception', reason: 'failed to parse field [n]' }),
          item(503, { type: 'unavailable_shards_exception', reason: 'primary shard is not active' }),
          item(200),
        ],
      }),
      batch,
    );
    assert.deepEqual(ids(result.delivered), ['rec-0', 'rec-1', 'rec-5']);
    assert.deepEqual(ids(result.retry), ['rec-2', 'rec-4']);
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0].record, batch[3]);
    assert.equal(result.rejected[0].code, 'ES_DOCUMENT_REJECTED');
    assert.equal(result.rejected[0].reason, 'mapper_parsing_exception: failed to parse field [n]');
    assert.match(result.reason ?? '', /2 of 6 documents: bulk item 429 es_rejected_execution_exception/);
  });

  it('item 403 (read-only index, security): the batch fails instead of quarantining', () => {
    const result = classifyBulkAnswer(
      answer(200, {
        errors: true,
        items: [
          item(201),
          ...Array.from({ length: 5 }, () =>
            item(403, { type: 'cluster_block_exception', reason: 'index read-only' }),
          ),
        ],
      }),
      batch,
    );
    assert.deepEqual(ids(result.delivered), ['rec-0']);
    assert.equal(result.fatal?.code, 'ES_DOCUMENT_FORBIDDEN');
    assert.equal(result.rejected.length, 0);
  });

  it('an items array that does not match the batch: retry all (ids make it safe)', () => {
    const result = classifyBulkAnswer(answer(200, { errors: true, items: [item(201)] }), batch);
    assert.equal(result.retry, batch);
  });

  it('whole request 429 / 503 / 502: retry all', () => {
    for (const status of [429, 503, 502, 504])
      assert.equal(classifyBulkAnswer(answer(status, ''), batch).retry, batch);
  });

  it('413: split in halves; a single document too large is quarantined', () => {
    const result = classifyBulkAnswer(answer(413, ''), batch);
    assert.deepEqual(result.resend?.map(ids), [
      ['rec-0', 'rec-1', 'rec-2'],
      ['rec-3', 'rec-4', 'rec-5'],
    ]);
    assert.equal(
      classifyBulkAnswer(answer(413, ''), batch.slice(0, 1)).rejected[0].code,
      'ES_DOCUMENT_TOO_LARGE',
    );
  });

  it('401/403: the auth path, with the security exception as message', () => {
    const result = classifyBulkAnswer(
      answer(401, { error: { type: 'security_exception', reason: 'unable to authenticate' }, status: 401 }),
      batch,
    );
    assert.deepEqual(result.authRefused, {
      status: 401,
      message: 'bulk 401: security_exception: unable to authenticate',
    });
    assert.equal(
      classifyBulkAnswer(answer(403, { message: 'signature mismatch' }), batch).authRefused?.status,
      403,
    );
  });

  it('whole request 400: the batch fails (not the documents’ fault)', () => {
    const result = classifyBulkAnswer(
      answer(400, {
        error: { type: 'illegal_argument_exception', reason: 'Malformed action/metadata line [1]' },
        status: 400,
      }),
      batch,
    );
    assert.equal(result.fatal?.code, 'ES_REQUEST_REJECTED');
    assert.match(result.fatal?.message ?? '', /Malformed action/);
  });
});

describe('classifyBulkAnswer fast path', () => {
  it('recognises errors:false after took and ingest_took, without filter_path', () => {
    const batch = makeRecords(2);
    const body =
      '{"took":30,"ingest_took":2,"errors":false,"items":[{"create":{"_index":"i","_id":"a","status":201}}';
    assert.equal(classifyBulkAnswer(answer(200, body), batch).delivered, batch);
  });
});
