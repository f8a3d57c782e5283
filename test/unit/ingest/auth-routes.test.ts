import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAuthorization, tokenMatches } from '../../../lambda/core/ingest/auth';
import { matchRoute } from '../../../lambda/core/ingest/routes';

describe('readAuthorization', () => {
  it("accepts 'Bearer <token>' (seed 000's shipper) and 'Splunk <token>' (HEC clients), any case", () => {
    assert.deepEqual(readAuthorization('Bearer abc'), { kind: 'token', token: 'abc' });
    assert.deepEqual(readAuthorization('Splunk abc'), { kind: 'token', token: 'abc' });
    assert.deepEqual(readAuthorization('  splunk   abc '), { kind: 'token', token: 'abc' });
    assert.deepEqual(readAuthorization('BEARER abc'), { kind: 'token', token: 'abc' });
  });

  it('tells a missing header from a malformed one', () => {
    assert.deepEqual(readAuthorization(undefined), { kind: 'missing' });
    assert.deepEqual(readAuthorization('  '), { kind: 'missing' });
    for (const header of ['abc', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      assert.deepEqual(readAuthorization(header), { kind: 'malformed' }, header);
    }
  });
});

describe('tokenMatches', () => {
  it('matches only the exact token', () => {
    assert.equal(tokenMatches('s3cret-token', 's3cret-token'), true);
    for (const other of ['s3cret-toke', 's3cret-token1', 'S3cret-token', '']) {
      assert.equal(tokenMatches(other, 's3cret-token'), false, other);
    }
  });

  it('never matches when no token is configured', () => {
    assert.equal(tokenMatches('', ''), false);
  });
});

describe('matchRoute', () => {
  it('serves NDJSON / JSON arrays on the generic path', () => {
    assert.deepEqual(matchRoute('POST', '/v1/events'), { kind: 'ingest', dialect: 'plain', format: 'json' });
  });

  it('serves HEC envelopes on the paths Splunk clients use', () => {
    for (const path of [
      '/services/collector',
      '/services/collector/event',
      '/services/collector/event/1.0',
      '/services/collector/event/',
    ]) {
      assert.deepEqual(matchRoute('post', path), { kind: 'ingest', dialect: 'hec', format: 'hec' }, path);
    }
  });

  it("serves NDJSON on HEC's raw path (Fluent Bit's Splunk_Send_Raw On)", () => {
    assert.deepEqual(matchRoute('POST', '/services/collector/raw'), {
      kind: 'ingest',
      dialect: 'hec',
      format: 'json',
    });
  });

  it('answers health checks on GET only', () => {
    assert.deepEqual(matchRoute('GET', '/services/collector/health/1.0'), { kind: 'health' });
    assert.deepEqual(matchRoute('POST', '/services/collector/health'), {
      kind: 'method-not-allowed',
      dialect: 'hec',
      allow: 'GET',
    });
  });

  it('refuses other methods and paths', () => {
    assert.deepEqual(matchRoute('GET', '/v1/events'), {
      kind: 'method-not-allowed',
      dialect: 'plain',
      allow: 'POST',
    });
    assert.deepEqual(matchRoute('POST', '/v1/events/../admin'), { kind: 'not-found' });
    assert.deepEqual(matchRoute('POST', '/'), { kind: 'not-found' });
  });
});
