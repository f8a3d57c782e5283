import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyPagerDutyAnswer } from '../../../../lambda/core/detections/routing/pagerduty/classifier';
import {
  DEDUP_KEY_MAX,
  EVENT_MAX_BYTES,
  SUMMARY_MAX,
  pagerDutyDedupKey,
  pagerDutyEvent,
} from '../../../../lambda/core/detections/routing/pagerduty/encoder';
import { pagerDutyProtocol } from '../../../../lambda/core/detections/routing/pagerduty/protocol';
import { LEVELS } from '../../../../lambda/core/detections/sigma/types';
import { SluiceError } from '../../../../lambda/core/errors';
import { alertDocument, response } from './fixtures';

const KEY = 'e93facc04764012d7bfb002500d5d1a6';

describe('PagerDuty events', () => {
  it("trigger with the alert's dedup key, the mapped severity and a link-free summary", () => {
    const event = pagerDutyEvent(alertDocument(), KEY, 'sluice-prod');
    assert.equal(event.routing_key, KEY);
    assert.equal(event.event_action, 'trigger');
    assert.equal(
      event.dedup_key,
      'sdm_failed_logins|["alice@example.com","10.1.2.3"]|2024-02-01T13:00:00.000Z',
    );
    assert.deepEqual(
      { ...event.payload, custom_details: undefined },
      {
        summary:
          'Many failed logins from one address (high): 7 records within 5 min (threshold ≥ 5) for user=alice@example.com, sourceAddress=10.1.2.3, from 2024-02-01T13:00:00.000Z to 2024-02-01T13:01:00.000Z. Rule sdm_failed_logins (detections/strongdm/sdm_failed_logins.yml). ATT&CK: T1110.001, credential_access.',
        source: 'sluice-prod',
        severity: 'error',
        timestamp: '2024-02-01T13:02:00.000Z',
        component: 'sdm_failed_logins',
        group: 'credential_access',
        class: 'event_count',
        custom_details: undefined,
      },
    );
    assert.equal(event.payload.custom_details.alert_id, 'c2x9Qm8d1T0y7ZkH3vP4aB');
    assert.deepEqual(event.payload.custom_details.group_by, {
      user: 'alice@example.com',
      sourceAddress: '10.1.2.3',
    });
    assert.doesNotMatch(
      JSON.stringify(event),
      /"result":"failure"/,
      'no record content (samples) on a pager',
    );
  });

  it('map every level to a severity PagerDuty accepts', () => {
    const severities = LEVELS.map(
      (level) => pagerDutyEvent(alertDocument({ level }), KEY, 's').payload.severity,
    );
    assert.deepEqual(severities, ['info', 'info', 'warning', 'error', 'critical']);
  });

  it('keep the same dedup_key for every update of one alert, and within 255 characters', () => {
    const opened = pagerDutyEvent(alertDocument(), KEY, 's');
    const updated = pagerDutyEvent(alertDocument({ status: 'updated', occurrences: 12, count: 9 }), KEY, 's');
    assert.equal(updated.dedup_key, opened.dedup_key);
    const long = alertDocument({ dedupKey: `rule|["${'x'.repeat(400)}"]|2024-02-01T13:00:00.000Z` });
    assert.equal(pagerDutyDedupKey(long), 'sluice:c2x9Qm8d1T0y7ZkH3vP4aB');
    assert.ok(pagerDutyDedupKey(long).length <= DEDUP_KEY_MAX);
  });

  it('cut the summary to 1024 characters', () => {
    const alert = alertDocument({ rule: { ...alertDocument().rule, title: 'y'.repeat(3000) } });
    assert.equal(Array.from(pagerDutyEvent(alert, KEY, 's').payload.summary).length, SUMMARY_MAX);
  });

  it('cut the summary in UTF-16 units without splitting an emoji', () => {
    const alert = alertDocument({ rule: { ...alertDocument().rule, title: '🔥'.repeat(3000) } });
    const { summary } = pagerDutyEvent(alert, KEY, 's').payload;
    assert.ok(summary.length <= SUMMARY_MAX, `${summary.length} units`);
    assert.doesNotMatch(summary, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone high surrogate');
  });

  it('stay below 512 KB with huge group-by values, keeping their first characters', () => {
    const huge = 'u'.repeat(300_000);
    const alert = alertDocument({
      group: { user: huge, sourceAddress: '10.1.2.3' },
      dedupKey: `sdm_failed_logins|["${huge}","10.1.2.3"]|2024-02-01T13:00:00.000Z`,
    });
    const event = pagerDutyEvent(alert, KEY, 's');
    assert.ok(Buffer.byteLength(JSON.stringify(event)) <= EVENT_MAX_BYTES);
    const details = event.payload.custom_details as { group_by: Record<string, string>; dedup_key: string };
    assert.equal(details.group_by.sourceAddress, '10.1.2.3');
    assert.ok(details.group_by.user.startsWith('uuu') && details.group_by.user.endsWith('…'));
    assert.equal(details.dedup_key, event.dedup_key);
    assert.deepEqual(
      pagerDutyEvent(alertDocument(), KEY, 's').payload.custom_details.group_by,
      alertDocument().group,
    );
  });

  it('refuse a secret that is not a 32-character integration key, without quoting it', () => {
    const protocol = pagerDutyProtocol('https://events.pagerduty.com/v2/enqueue', 'sluice');
    assert.doesNotThrow(() => protocol.request(alertDocument(), ` ${KEY}\n`));
    assert.throws(
      () => protocol.request(alertDocument(), 'not-the-key-1234'),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'ALERT_SECRET_INVALID' &&
        !error.message.includes('not-the-key-1234'),
    );
  });
});

describe("PagerDuty's answers", () => {
  const read = (status: number, body = '') => {
    const verdict = classifyPagerDutyAnswer(response(status, body));
    return verdict.kind === 'give-up'
      ? `give-up ${verdict.code}${verdict.credentialsSuspect ? ' suspect' : ''}`
      : verdict.kind;
  };

  it('202 is delivered', () => {
    assert.equal(read(202, '{"status":"success","message":"Event processed","dedup_key":"k"}'), 'delivered');
  });

  it('400 is not retried: a refused event, or a wrong routing key (re-read once)', () => {
    assert.equal(
      read(
        400,
        '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.severity\' is invalid"]}',
      ),
      'give-up ALERT_CHANNEL_REJECTED',
    );
    assert.equal(
      read(
        400,
        '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect (should be 32 characters)"]}',
      ),
      'give-up ALERT_CHANNEL_MISCONFIGURED suspect',
    );
    const verdict = classifyPagerDutyAnswer(
      response(
        400,
        '{"status":"invalid event","message":"Event object is invalid","errors":["JSON parse error"]}',
      ),
    );
    assert.equal(
      verdict.kind === 'give-up' && verdict.message,
      'PagerDuty 400: Event object is invalid; JSON parse error: PagerDuty refused the event',
    );
  });

  it('429 and 5xx are retried', () => {
    assert.equal(read(429), 'retry');
    assert.equal(read(500, '{"status":"error","message":"Internal error"}'), 'retry');
    assert.equal(read(503), 'retry');
  });

  it('404 means the URL is not the Events API', () => {
    assert.equal(read(404), 'give-up ALERT_CHANNEL_MISCONFIGURED');
  });
});
