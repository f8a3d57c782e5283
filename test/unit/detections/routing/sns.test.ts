import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySnsPublish } from '../../../../lambda/core/detections/routing/sns/classifier';
import { SNS_MAX_BYTES, snsMessage } from '../../../../lambda/core/detections/routing/sns/encoder';
import { alertDocument } from './fixtures';

describe('SNS messages', () => {
  it('have a one-line subject under 100 characters and the alert document as JSON', () => {
    const alert = alertDocument();
    const message = snsMessage(alert);
    assert.equal(message.subject, '[sluice] HIGH: Many failed logins from one address');
    assert.deepEqual(JSON.parse(message.message), alert);
    const long = snsMessage(
      alertDocument({ rule: { ...alert.rule, title: `Line one\nline\ttwo\u0007 ${'é'.repeat(200)}` } }),
    );
    assert.ok(Array.from(long.subject).length < 100);
    assert.ok(![...long.subject].some((char) => char.charCodeAt(0) < 0x20), 'no control characters');
  });

  it('carry attributes a subscription can filter on: level, its rank, rule and status', () => {
    assert.deepEqual(snsMessage(alertDocument({ level: 'critical', status: 'updated' })).attributes, {
      level: { dataType: 'String', value: 'critical' },
      levelRank: { dataType: 'Number', value: '4' },
      rule: { dataType: 'String', value: 'sdm_failed_logins' },
      status: { dataType: 'String', value: 'updated' },
    });
  });

  it('fit 256 KiB together with the attributes, trimming samples first', () => {
    const alert = alertDocument({ samples: [{ big: 'q'.repeat(200_000) }, { big: 'r'.repeat(200_000) }] });
    const message = snsMessage(alert);
    assert.ok(Buffer.byteLength(message.message) < SNS_MAX_BYTES - 1024);
    const parsed = JSON.parse(message.message) as { samples: unknown[]; trimmed: unknown };
    assert.deepEqual(parsed.samples, []);
    assert.deepEqual(parsed.trimmed, { samples: 2, records: 0 });
  });
});

describe("SNS's answers", () => {
  const read = (name: string, status?: number) => {
    const verdict = classifySnsPublish({ ok: false, failure: { name, status, message: 'x' } });
    return verdict.kind === 'give-up' ? `give-up ${verdict.code}` : verdict.kind;
  };
  it('retry throttling, 5xx and no answer; stop on a missing topic or permission, or a refused message', () => {
    assert.equal(classifySnsPublish({ ok: true, messageId: 'm' }).kind, 'delivered');
    assert.equal(read('Throttled', 400), 'retry');
    assert.equal(read('KMSThrottling', 400), 'retry');
    assert.equal(read('InternalError', 500), 'retry');
    assert.equal(read('TimeoutError'), 'retry');
    assert.equal(read('NotFound', 404), 'give-up ALERT_CHANNEL_MISCONFIGURED');
    assert.equal(read('AuthorizationError', 403), 'give-up ALERT_CHANNEL_MISCONFIGURED');
    assert.equal(read('KMSDisabled', 400), 'give-up ALERT_CHANNEL_MISCONFIGURED');
    assert.equal(read('InvalidParameter', 400), 'give-up ALERT_CHANNEL_REJECTED');
  });
});
