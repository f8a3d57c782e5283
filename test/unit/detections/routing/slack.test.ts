import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySlackAnswer } from '../../../../lambda/core/detections/routing/slack/classifier';
import { escapeMrkdwn, slackMessage } from '../../../../lambda/core/detections/routing/slack/encoder';
import { alertDocument, response } from './fixtures';

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { text: string }[];
}

describe('Slack messages', () => {
  it('carry the rule title, level, count, first/last time and group-by values', () => {
    const message = slackMessage(alertDocument());
    const [header, facts, summary, context] = message.blocks as unknown as Block[];
    assert.equal(message.text, 'HIGH: Many failed logins from one address');
    assert.deepEqual(header, {
      type: 'header',
      text: { type: 'plain_text', text: 'HIGH: Many failed logins from one address', emoji: false },
    });
    assert.deepEqual(
      facts.fields?.map((field) => field.text),
      [
        '*Level*\nhigh',
        '*Count*\n7 records within 5 min (threshold ≥ 5)',
        '*First event*\n2024-02-01T13:00:00.000Z',
        '*Last event*\n2024-02-01T13:01:00.000Z',
        '*user*\nalice@example.com',
        '*sourceAddress*\n10.1.2.3',
      ],
    );
    assert.equal(
      summary.text?.text,
      'Many failed logins from one address (high): 7 records within 5 min (threshold ≥ 5) for user=alice@example.com, sourceAddress=10.1.2.3, from 2024-02-01T13:00:00.000Z to 2024-02-01T13:01:00.000Z. Rule sdm_failed_logins (detections/strongdm/sdm_failed_logins.yml). ATT&amp;CK: T1110.001, credential_access.',
    );
    assert.match(context.elements?.[0].text ?? '', /alert c2x9Qm8d1T0y7ZkH3vP4aB/);
  });

  it('hold no links, and a record value can neither mention a channel nor make one', () => {
    const alert = alertDocument({
      group: { user: '<!channel> <https://evil.example|click here>' },
      samples: [{ url: 'https://records.example/x' }],
    });
    const body = JSON.stringify(slackMessage(alert));
    assert.doesNotMatch(body, /<!channel>|<https?:/);
    assert.match(body, /&lt;!channel&gt; &lt;https:\/\/evil.example\|click here&gt;/);
    assert.doesNotMatch(body, /records\.example/, 'samples (record content) are not in the message');
    assert.doesNotMatch(JSON.stringify(slackMessage(alertDocument())), /https?:\/\//);
    assert.equal(escapeMrkdwn('a & b < c > d'), 'a &amp; b &lt; c &gt; d');
  });

  it('keep within Block Kit limits: header 150 characters, at most 10 fields', () => {
    const group = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`field${i}`, `value${i}`]));
    const alert = alertDocument({
      rule: { ...alertDocument().rule, title: 'x'.repeat(400) },
      group,
      occurrences: 30,
    });
    const [header, facts, summary] = slackMessage(alert).blocks as unknown as Block[];
    assert.equal(Array.from(header.text?.text ?? '').length, 150);
    assert.equal(facts.fields?.length, 10);
    assert.equal(facts.fields?.[2].text, '*Records so far*\n30');
    assert.match(
      summary.text?.text ?? '',
      /field11=value11/,
      'group-by values beyond the fields stay in the summary',
    );
  });

  it('say when an alert is an update of an open one', () => {
    assert.equal(
      slackMessage(alertDocument({ status: 'updated' })).text,
      'HIGH (updated): Many failed logins from one address',
    );
  });
});

describe("Slack's answers", () => {
  const cases: [number, string, string][] = [
    [200, 'ok', 'delivered'],
    [400, 'invalid_payload', 'give-up ALERT_CHANNEL_REJECTED'],
    [400, 'no_text', 'give-up ALERT_CHANNEL_REJECTED'],
    [400, 'user_not_found', 'give-up ALERT_CHANNEL_MISCONFIGURED suspect'],
    [400, 'no_service_id', 'give-up ALERT_CHANNEL_MISCONFIGURED suspect'],
    [403, 'invalid_token', 'give-up ALERT_CHANNEL_MISCONFIGURED suspect'],
    [403, 'action_prohibited', 'give-up ALERT_CHANNEL_MISCONFIGURED suspect'],
    [404, 'no_service', 'give-up ALERT_CHANNEL_MISCONFIGURED suspect'],
    [410, 'channel_is_archived', 'give-up ALERT_CHANNEL_MISCONFIGURED'],
    [429, 'rate_limited', 'retry'],
    [500, 'rollup_error', 'retry'],
    [503, '', 'retry'],
    [302, '', 'give-up ALERT_CHANNEL_UNEXPECTED_ANSWER'],
  ];
  for (const [status, body, expected] of cases) {
    it(`${status} ${body || '(empty)'}: ${expected}`, () => {
      const verdict = classifySlackAnswer(response(status, body));
      const read =
        verdict.kind === 'give-up'
          ? `give-up ${verdict.code}${verdict.credentialsSuspect ? ' suspect' : ''}`
          : verdict.kind;
      assert.equal(read, expected);
      if (verdict.kind !== 'delivered')
        assert.match(
          verdict.kind === 'retry' ? verdict.reason : verdict.message,
          new RegExp(`Slack ${status}`),
        );
    });
  }
});
