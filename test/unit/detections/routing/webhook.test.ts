import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitAlert } from '../../../../lambda/core/detections/routing/fit';
import { classifyWebhookAnswer } from '../../../../lambda/core/detections/routing/webhook/classifier';
import { WEBHOOK_MAX_BYTES, webhookBody } from '../../../../lambda/core/detections/routing/webhook/encoder';
import { webhookProtocol, webhookTarget } from '../../../../lambda/core/detections/routing/webhook/protocol';
import { SluiceError } from '../../../../lambda/core/errors';
import { alertDocument, response } from './fixtures';

describe('webhook requests', () => {
  it('carry the alert document as JSON, with its id in a header and the token from the secret', () => {
    const alert = alertDocument();
    const request = webhookProtocol.request(
      alert,
      '{"url":"https://soar.example/hooks/sluice","token":"t0k"}',
    );
    assert.deepEqual(JSON.parse(request.body), alert);
    assert.equal(request.url.href, 'https://soar.example/hooks/sluice');
    assert.deepEqual(request.headers, { 'x-sluice-alert-id': alert.alertId, authorization: 'Bearer t0k' });
    assert.deepEqual(webhookProtocol.request(alert, 'https://soar.example/x').headers, {
      'x-sluice-alert-id': alert.alertId,
    });
  });

  it('refuse a secret that is not a URL (or JSON with one) without quoting it', () => {
    for (const secret of [
      'hooks.example/x',
      'http://soar.example/x',
      '{"url": 1}',
      '{"url":"https://a.example","token":""}',
      '{oops',
    ]) {
      assert.throws(
        () => webhookTarget(secret),
        (error: unknown) =>
          error instanceof SluiceError &&
          error.code === 'ALERT_SECRET_INVALID' &&
          !error.message.includes(secret),
        secret,
      );
    }
    assert.equal(webhookTarget('http://127.0.0.1:8080/x').url.port, '8080', 'plain http only on loopback');
  });

  it('trim a document above 1 MB: samples first, then record references, saying what was left out', () => {
    const big = 'z'.repeat(300_000);
    const alert = alertDocument({ samples: [1, 2, 3, 4, 5].map((n) => ({ n, big })) });
    const body = JSON.parse(webhookBody(alert)) as Record<string, unknown>;
    assert.ok(Buffer.byteLength(webhookBody(alert)) <= WEBHOOK_MAX_BYTES);
    assert.deepEqual(body.samples, []);
    assert.deepEqual(body.trimmed, { samples: 5, records: 0 });
    assert.equal((body.records as unknown[]).length, 7);
    const tiny = JSON.parse(fitAlert(alert, 1_400)) as Record<string, unknown>;
    assert.ok((tiny.records as unknown[]).length < 7);
    assert.equal(tiny.alertId, alert.alertId);
  });
});

describe("a webhook's answers", () => {
  const read = (status: number) => {
    const verdict = classifyWebhookAnswer(response(status, '{}'));
    return verdict.kind === 'give-up'
      ? `give-up ${verdict.code}${verdict.credentialsSuspect ? ' suspect' : ''}`
      : verdict.kind;
  };
  it('follow HTTP: 2xx delivered, 401/403 the token, 404/410 the URL, 400/422 the alert, 408/425/429/5xx retried', () => {
    assert.deepEqual([200, 204, 401, 403, 404, 410, 400, 413, 422, 408, 425, 429, 500, 503, 301].map(read), [
      'delivered',
      'delivered',
      'give-up ALERT_CHANNEL_MISCONFIGURED suspect',
      'give-up ALERT_CHANNEL_MISCONFIGURED suspect',
      'give-up ALERT_CHANNEL_MISCONFIGURED',
      'give-up ALERT_CHANNEL_MISCONFIGURED',
      'give-up ALERT_CHANNEL_REJECTED',
      'give-up ALERT_CHANNEL_REJECTED',
      'give-up ALERT_CHANNEL_REJECTED',
      'retry',
      'retry',
      'retry',
      'retry',
      'retry',
      'give-up ALERT_CHANNEL_UNEXPECTED_ANSWER',
    ]);
  });
});
