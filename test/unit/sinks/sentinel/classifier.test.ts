import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse } from '../../../../lambda/core/http/client';
import { classifyIngestionAnswer } from '../../../../lambda/core/sinks/sentinel/classifier';
import { makeRecords } from '../fixtures';

const answer = (status: number, body = '', headers: HttpResponse['headers'] = {}): HttpResponse => ({
  status,
  headers,
  body,
});
const azureError = (code: string, message: string) => JSON.stringify({ error: { code, message } });

describe('classifyIngestionAnswer', () => {
  const batch = makeRecords(4);

  it('204: every record delivered', () => {
    assert.equal(classifyIngestionAnswer(answer(204), batch).delivered, batch);
  });

  it('401: a new token, through the auth path', () => {
    const result = classifyIngestionAnswer(
      answer(401, azureError('ExpiredAuthenticationToken', 'The access token has expired.')),
      batch,
    );
    assert.equal(result.authRefused?.status, 401);
    assert.match(
      result.authRefused?.message ?? '',
      /401 ExpiredAuthenticationToken: The access token has expired/,
    );
  });

  it('403: the auth path, naming the role the app needs on the DCR', () => {
    const result = classifyIngestionAnswer(
      answer(403, azureError('OperationFailed', 'The authentication token provided does not have access')),
      batch,
    );
    assert.equal(result.authRefused?.status, 403);
    assert.match(result.authRefused?.message ?? '', /Monitoring Metrics Publisher role on the DCR/);
  });

  it('413: split in halves; a single record still too large is quarantined with the service’s message', () => {
    const tooLarge = answer(
      413,
      azureError('ContentLengthLimitExceeded', 'Maximum allowed content length: 1048576 bytes (1 MB).'),
    );
    assert.deepEqual(classifyIngestionAnswer(tooLarge, batch).resend, [batch.slice(0, 2), batch.slice(2)]);
    const single = classifyIngestionAnswer(tooLarge, batch.slice(0, 1));
    assert.equal(single.rejected[0].code, 'SENTINEL_RECORD_TOO_LARGE');
    assert.match(single.rejected[0].reason, /413 ContentLengthLimitExceeded: Maximum allowed content length/);
  });

  it('408, 429 and 5xx: retried; Azure’s millisecond Retry-After headers are read', () => {
    for (const status of [408, 429, 500, 502, 503])
      assert.equal(classifyIngestionAnswer(answer(status), batch).retry, batch);
    assert.equal(
      classifyIngestionAnswer(answer(429, '', { 'retry-after-ms': '1500' }), batch).retryAfterMs,
      1500,
    );
    assert.equal(
      classifyIngestionAnswer(answer(503, '', { 'x-ms-retry-after-ms': '250' }), batch).retryAfterMs,
      250,
    );
    // Retry-After in seconds is the delivery loop's to read.
    assert.equal(
      classifyIngestionAnswer(answer(429, '', { 'retry-after': '3' }), batch).retryAfterMs,
      undefined,
    );
  });

  it('400 InvalidStream and 404: configuration errors fail the batch, nothing is quarantined', () => {
    const stream = classifyIngestionAnswer(
      answer(400, azureError('InvalidStream', "The stream 'Custom-x' is not declared.")),
      batch,
    );
    assert.equal(stream.fatal?.code, 'SENTINEL_REQUEST_REJECTED');
    assert.match(stream.fatal?.message ?? '', /InvalidStream.*Fix: .*streamName/);
    assert.equal(stream.rejected.length, 0);
    const dcr = classifyIngestionAnswer(
      answer(404, azureError('NotFound', 'Data collection rule not found.')),
      batch,
    );
    assert.equal(dcr.fatal?.code, 'SENTINEL_REQUEST_REJECTED');
    // The code is also read from x-ms-error-code when the body has none.
    const header = classifyIngestionAnswer(answer(400, '', { 'x-ms-error-code': 'InvalidStream' }), batch);
    assert.equal(header.fatal?.code, 'SENTINEL_REQUEST_REJECTED');
  });

  it('400 (not InvalidStream): the content was refused; the delivery loop isolates the records to blame', () => {
    const body = azureError('InvalidPayload', 'The request body must be a JSON array of objects.');
    const reason = 'Logs Ingestion API 400 InvalidPayload: The request body must be a JSON array of objects.';
    const result = classifyIngestionAnswer(answer(400, body), batch);
    assert.deepEqual(result.refused, { code: 'SENTINEL_BATCH_REJECTED', reason });
    assert.deepEqual([result.delivered, result.rejected, result.retry], [[], [], []]);
    // A record refused alone is to blame at once.
    const alone = classifyIngestionAnswer(answer(400, body), batch.slice(0, 1));
    assert.equal(alone.refused, undefined);
    assert.deepEqual(
      alone.rejected.map(({ code, reason: why }) => [code, why]),
      [['SENTINEL_BATCH_REJECTED', reason]],
    );
  });

  it('other 4xx: the batch is quarantined whole with the service’s answer', () => {
    const html = classifyIngestionAnswer(answer(422, '<html>nope</html>'), batch);
    assert.equal(html.refused, undefined);
    assert.equal(html.rejected.length, 4);
    assert.equal(html.rejected[0].reason, 'Logs Ingestion API 422: <html>nope</html>');
  });

  it('anything else is an unexpected answer (redirects are not followed)', () => {
    assert.equal(classifyIngestionAnswer(answer(302), batch).fatal?.code, 'DESTINATION_UNEXPECTED_ANSWER');
  });
});
