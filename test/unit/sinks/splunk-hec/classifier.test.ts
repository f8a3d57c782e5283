import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse } from '../../../../lambda/core/http/client';
import { SinkCodes } from '../../../../lambda/core/sinks/codes';
import { classifyHecAnswer } from '../../../../lambda/core/sinks/splunk-hec/classifier';
import { ids, makeRecords } from '../fixtures';

const answer = (status: number, body: unknown, headers: HttpResponse['headers'] = {}): HttpResponse => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('classifyHecAnswer', () => {
  const batch = makeRecords(5);

  it('200 Success: everything delivered', () => {
    const result = classifyHecAnswer(answer(200, { text: 'Success', code: 0 }), batch);
    assert.deepEqual(ids(result.delivered), ids(batch));
    assert.equal(result.retry.length + result.rejected.length, 0);
  });

  it('200 with an HTML page (a default backend, a proxy): not delivered, the batch fails', () => {
    const result = classifyHecAnswer(answer(200, '<!doctype html><html>Welcome</html>'), batch);
    assert.equal(result.delivered.length, 0);
    assert.equal(result.fatal?.code, SinkCodes.UNEXPECTED_ANSWER);
    assert.match(result.fatal?.message ?? '', /not an answer of HEC/);
    assert.equal(
      classifyHecAnswer(answer(200, '\n <?xml version="1.0"?><html/>'), batch).fatal?.code,
      SinkCodes.UNEXPECTED_ANSWER,
    );
    // HEC-compatible receivers that answer no body, or a word (older OpenTelemetry collectors: `OK`).
    assert.equal(classifyHecAnswer(answer(204, ''), batch).delivered, batch);
    assert.equal(classifyHecAnswer(answer(200, 'OK'), batch).delivered, batch);
  });

  it('503 code 9 (server busy): retry the whole batch', () => {
    const result = classifyHecAnswer(answer(503, { text: 'Server is busy', code: 9 }), batch);
    assert.equal(result.retry, batch);
    assert.match(result.reason ?? '', /code 9: Server is busy/);
  });

  it('busy code behind a proxy that rewrote the status: retry', () => {
    assert.equal(classifyHecAnswer(answer(400, { text: 'Server is busy', code: 9 }), batch).retry, batch);
  });

  it('500, 502 (HTML from a load balancer) and 429: retry', () => {
    assert.equal(
      classifyHecAnswer(answer(500, { text: 'Internal server error', code: 8 }), batch).retry,
      batch,
    );
    assert.equal(classifyHecAnswer(answer(502, '<html>Bad Gateway</html>'), batch).retry, batch);
    assert.equal(classifyHecAnswer(answer(429, ''), batch).retry, batch);
  });

  it('400 invalid-event-number N: [0,N) delivered, N quarantined, the tail resent', () => {
    const result = classifyHecAnswer(
      answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 2 }),
      batch,
    );
    assert.deepEqual(ids(result.delivered), ['rec-0', 'rec-1']);
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0].record, batch[2]);
    assert.equal(result.rejected[0].code, 'HEC_INVALID_EVENT');
    assert.match(result.rejected[0].reason, /Invalid data format/);
    assert.deepEqual(result.resend?.map(ids), [['rec-3', 'rec-4']]);
    assert.equal(result.retry.length, 0);
  });

  it('codes 12 and 13 with an event number behave the same way', () => {
    for (const code of [12, 13]) {
      const result = classifyHecAnswer(
        answer(400, { text: 'Event field is required', code, 'invalid-event-number': 0 }),
        batch,
      );
      assert.equal(result.delivered.length, 0);
      assert.equal(result.rejected[0].record, batch[0]);
      assert.deepEqual(result.resend?.map(ids), [ids(batch.slice(1))]);
    }
  });

  it('the last event refused: nothing to resend', () => {
    const result = classifyHecAnswer(
      answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 4 }),
      batch,
    );
    assert.equal(result.delivered.length, 4);
    assert.deepEqual(result.resend, []);
  });

  it('code 7 (incorrect index): the indexed head is delivered and the batch fails', () => {
    const result = classifyHecAnswer(
      answer(400, { text: 'Incorrect index', code: 7, 'invalid-event-number': 1 }),
      batch,
    );
    assert.deepEqual(ids(result.delivered), ['rec-0']);
    assert.equal(result.fatal?.code, 'HEC_INCORRECT_INDEX');
    assert.equal(result.rejected.length, 0);
  });

  it('400 without an event number: the batch fails, nothing is quarantined', () => {
    const result = classifyHecAnswer(answer(400, { text: 'Data channel is missing', code: 10 }), batch);
    assert.equal(result.fatal?.code, 'HEC_REQUEST_REJECTED');
    assert.match(result.fatal?.message ?? '', /Data channel is missing/);
    assert.equal(result.rejected.length, 0);
  });

  it('code 10 (channel missing): names the token setting and what to change, quarantines nothing', () => {
    const result = classifyHecAnswer(answer(400, { text: 'Data channel is missing', code: 10 }), batch);
    assert.equal(result.fatal?.code, 'HEC_REQUEST_REJECTED');
    assert.match(result.fatal?.message ?? '', /indexer acknowledgement enabled.*acknowledgements: true/);
  });

  it('codes 10 and 11 on a request that carried a channel (acknowledgements on): the header was lost on the way, not a token setting', () => {
    for (const body of [
      { text: 'Data channel is missing', code: 10 },
      { text: 'Invalid data channel', code: 11 },
    ]) {
      const result = classifyHecAnswer(answer(400, body), batch, true);
      assert.equal(result.fatal?.code, 'HEC_REQUEST_REJECTED');
      assert.match(result.fatal?.message ?? '', /drops or rewrites that header/);
      assert.doesNotMatch(result.fatal?.message ?? '', /set acknowledgements: true/);
    }
  });

  it('code 14 (ACK is disabled): a configuration error named as such; the batch fails, nothing is quarantined', () => {
    const result = classifyHecAnswer(answer(400, { text: 'ACK is disabled', code: 14 }), batch);
    assert.equal(result.fatal?.code, 'HEC_ACK_DISABLED');
    assert.match(result.fatal?.message ?? '', /HEC 400 code 14: ACK is disabled/);
    assert.match(result.fatal?.message ?? '', /Fix: enable indexer acknowledgement on the token/);
    assert.equal(result.rejected.length, 0);
    assert.equal(result.delivered.length, 0);
  });

  it('an event number outside the batch is treated as no event number', () => {
    const result = classifyHecAnswer(
      answer(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 9 }),
      batch,
    );
    assert.equal(result.fatal?.code, 'HEC_REQUEST_REJECTED');
  });

  it('404 (wrong path): fails the batch', () => {
    const result = classifyHecAnswer(
      answer(404, { text: 'The requested URL was not found on this server.', code: 404 }),
      batch,
    );
    assert.equal(result.fatal?.code, 'HEC_REQUEST_REJECTED');
  });

  it('401 and 403 (codes 1-4): the auth path', () => {
    assert.deepEqual(
      classifyHecAnswer(answer(401, { text: 'Token is required', code: 2 }), batch).authRefused,
      {
        status: 401,
        message: 'Token is required',
      },
    );
    assert.equal(
      classifyHecAnswer(answer(401, { text: 'Invalid authorization', code: 3 }), batch).authRefused?.status,
      401,
    );
    assert.equal(
      classifyHecAnswer(answer(403, { text: 'Invalid token', code: 4 }), batch).authRefused?.status,
      403,
    );
    assert.equal(
      classifyHecAnswer(answer(403, { text: 'Token disabled', code: 1 }), batch).authRefused?.status,
      403,
    );
  });

  it('413: split in halves; a single event too large is quarantined', () => {
    const split = classifyHecAnswer(
      answer(413, '<response>Content-Length of 2000000 too large</response>'),
      batch,
    );
    assert.deepEqual(split.resend?.map(ids), [
      ['rec-0', 'rec-1', 'rec-2'],
      ['rec-3', 'rec-4'],
    ]);
    const single = classifyHecAnswer(answer(413, ''), batch.slice(0, 1));
    assert.equal(single.rejected[0].code, 'HEC_EVENT_TOO_LARGE');
  });

  it('3xx: unexpected answer, the batch fails', () => {
    assert.equal(classifyHecAnswer(answer(301, ''), batch).fatal?.code, 'DESTINATION_UNEXPECTED_ANSWER');
  });
});
