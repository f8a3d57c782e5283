import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answer, type Outcome } from '../../../lambda/core/ingest/answers';

const hec = (outcome: Outcome) => {
  const result = answer(outcome, 'hec');
  return [result.statusCode, JSON.parse(result.body)];
};
const plain = (outcome: Outcome) => {
  const result = answer(outcome, 'plain');
  return [result.statusCode, JSON.parse(result.body)];
};

describe('answers on the HEC paths mimic Splunk HEC', () => {
  it('success, health and authentication answers', () => {
    assert.deepEqual(hec({ kind: 'accepted', count: 3 }), [200, { text: 'Success', code: 0 }]);
    assert.deepEqual(hec({ kind: 'healthy' }), [200, { text: 'HEC is healthy', code: 17 }]);
    assert.deepEqual(hec({ kind: 'token-required' }), [401, { text: 'Token is required', code: 2 }]);
    assert.deepEqual(hec({ kind: 'invalid-authorization' }), [
      401,
      { text: 'Invalid authorization', code: 3 },
    ]);
    assert.deepEqual(hec({ kind: 'invalid-token' }), [403, { text: 'Invalid token', code: 4 }]);
  });

  it('bad events carry invalid-event-number', () => {
    const rejection = (
      code: 'INVALID_JSON' | 'HEC_EVENT_MISSING' | 'HEC_EVENT_BLANK' | 'EVENT_TOO_LARGE',
    ) => ({
      kind: 'rejected' as const,
      rejection: { index: 4, code, reason: 'r' },
      acceptedBefore: 4,
    });
    assert.deepEqual(hec(rejection('INVALID_JSON')), [
      400,
      { text: 'Invalid data format', code: 6, 'invalid-event-number': 4 },
    ]);
    assert.deepEqual(hec(rejection('HEC_EVENT_MISSING')), [
      400,
      { text: 'Event field is required', code: 12, 'invalid-event-number': 4 },
    ]);
    assert.deepEqual(hec(rejection('HEC_EVENT_BLANK')), [
      400,
      { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': 4 },
    ]);
    assert.deepEqual(hec(rejection('EVENT_TOO_LARGE')), [
      413,
      { text: 'Content too large', code: 6, 'invalid-event-number': 4 },
    ]);
    assert.deepEqual(
      hec({ kind: 'rejected', rejection: { index: 0, code: 'NO_DATA', reason: 'r' }, acceptedBefore: 0 }),
      [400, { text: 'No data', code: 5 }],
    );
  });

  it('asks the producer to come back later when the queue is unavailable', () => {
    const result = answer({ kind: 'unavailable' }, 'hec');
    assert.equal(result.statusCode, 503);
    assert.deepEqual(JSON.parse(result.body), { text: 'Server is busy', code: 9 });
    assert.equal(result.headers['retry-after'], '5');
  });
});

describe('answers on the generic path are plain JSON', () => {
  it('success says how many events were accepted', () => {
    assert.deepEqual(plain({ kind: 'accepted', count: 3 }), [
      200,
      { ok: true, code: 'OK', message: '3 events accepted', accepted: 3 },
    ]);
  });

  it('a bad event names its code and zero-based index and that nothing was accepted', () => {
    assert.deepEqual(
      plain({
        kind: 'rejected',
        rejection: {
          index: 2,
          code: 'LOG_TYPE_NOT_ALLOWED',
          reason: "event 2 'logType' 'x' is not an allowed log type",
        },
        acceptedBefore: 0,
      }),
      [
        400,
        {
          ok: false,
          code: 'LOG_TYPE_NOT_ALLOWED',
          message: "event 2 'logType' 'x' is not an allowed log type; nothing was accepted",
          eventIndex: 2,
        },
      ],
    );
  });

  it('every failure has its status code', () => {
    const statuses: [Outcome, number, string][] = [
      [{ kind: 'token-required' }, 401, 'TOKEN_REQUIRED'],
      [{ kind: 'invalid-authorization' }, 401, 'INVALID_AUTHORIZATION'],
      [{ kind: 'invalid-token' }, 403, 'INVALID_TOKEN'],
      [{ kind: 'body-too-large', limit: 10 }, 413, 'BODY_TOO_LARGE'],
      [{ kind: 'unsupported-encoding', encoding: 'br' }, 415, 'UNSUPPORTED_ENCODING'],
      [{ kind: 'invalid-encoding' }, 400, 'INVALID_ENCODING'],
      [{ kind: 'unavailable' }, 503, 'UNAVAILABLE'],
      [{ kind: 'not-found' }, 404, 'NOT_FOUND'],
      [{ kind: 'method-not-allowed', allow: 'POST' }, 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [outcome, status, code] of statuses) {
      const [statusCode, body] = plain(outcome);
      assert.deepEqual([statusCode, body.ok, body.code], [status, false, code], outcome.kind);
    }
    assert.equal(answer({ kind: 'method-not-allowed', allow: 'POST' }, 'plain').headers.allow, 'POST');
  });
});
