import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpRequest, HttpResponse } from '../../../../lambda/core/http/client';
import {
  createHttpChannel,
  MAX_CHANNEL_HOLD_MS,
} from '../../../../lambda/core/detections/routing/http-channel';
import { pagerDutyProtocol } from '../../../../lambda/core/detections/routing/pagerduty/protocol';
import { slackProtocol } from '../../../../lambda/core/detections/routing/slack/protocol';
import { webhookProtocol } from '../../../../lambda/core/detections/routing/webhook/protocol';
import { alertDocument, fakeSecret, response, virtualClock } from './fixtures';

const WEBHOOK = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

/** A Slack channel over a transport that answers from a script and notes when each request came. */
function slackChannel(answers: HttpResponse[]) {
  const clock = virtualClock();
  const sentAt: number[] = [];
  const channel = createHttpChannel({
    name: 'soc',
    protocol: slackProtocol,
    transport: {
      request: async (_request: HttpRequest) => {
        sentAt.push(clock.now());
        return { ok: true, response: answers.shift() ?? response(200, 'ok') };
      },
    },
    secret: fakeSecret(WEBHOOK),
    requestTimeoutMs: 10_000,
    sender: { now: clock.now, sleep: clock.sleep, random: () => 0.5 },
  });
  return { channel, clock, sentAt };
}

describe("an HTTP alert channel's Retry-After", () => {
  it('holds the next alert too, until the time the channel asked for', async () => {
    const { channel, clock, sentAt } = slackChannel([response(429, 'rate_limited', { 'retry-after': '30' })]);
    const start = clock.now();
    const first = await channel.send(alertDocument({ alertId: 'first' }), start + 10_000);
    assert.equal(first.delivered, false, 'a 30 s Retry-After is past the 10 s deadline');

    clock.advance(5_000);
    const second = await channel.send(alertDocument({ alertId: 'second' }), start + 120_000);
    assert.deepEqual(second, { delivered: true, attempts: 1 });
    assert.deepEqual(
      sentAt,
      [start, start + 30_000],
      'the second alert waited out the first one’s Retry-After',
    );
  });

  it('does not send, nor wait, when the pause outlasts the deadline', async () => {
    const { channel, clock, sentAt } = slackChannel([
      response(429, 'rate_limited', { 'retry-after': '600' }),
    ]);
    const start = clock.now();
    await channel.send(alertDocument(), start + 10_000);
    const later = await channel.send(alertDocument({ alertId: 'later' }), start + 60_000);
    assert.equal(later.delivered, false);
    assert.deepEqual(
      [later.delivered ? '' : later.code, later.attempts, !later.delivered && later.retryLater],
      ['ALERT_CHANNEL_UNAVAILABLE', 0, true],
    );
    assert.match(
      later.delivered ? '' : later.message,
      /^soc asked to wait until 2024-02-01T13:12:00\.000Z \(Retry-After\), past the deadline: not sent$/,
    );
    assert.deepEqual(sentAt, [start], 'one request: the 429');
    assert.equal(clock.now(), start, 'nothing slept');
  });

  it('holds the channel an hour at most, however long the channel asked for', async () => {
    const { channel, clock, sentAt } = slackChannel([
      response(429, 'rate_limited', { 'retry-after': String(365 * 86_400) }),
    ]);
    const start = clock.now();
    await channel.send(alertDocument(), start + 10_000);
    const later = await channel.send(alertDocument({ alertId: 'later' }), start + 2 * MAX_CHANNEL_HOLD_MS);
    assert.deepEqual(later, { delivered: true, attempts: 1 });
    assert.deepEqual(sentAt, [start, start + MAX_CHANNEL_HOLD_MS]);
  });

  it('is forgotten once it has passed', async () => {
    const { channel, clock, sentAt } = slackChannel([response(429, 'rate_limited', { 'retry-after': '1' })]);
    const start = clock.now();
    assert.deepEqual(await channel.send(alertDocument(), start + 60_000), { delivered: true, attempts: 2 });
    clock.advance(60_000);
    assert.deepEqual(await channel.send(alertDocument({ alertId: 'next' }), clock.now() + 60_000), {
      delivered: true,
      attempts: 1,
    });
    assert.equal(sentAt.length, 3);
    assert.equal(sentAt[2], sentAt[1] + 60_000, 'sent at once');
  });
});

describe("an HTTP alert channel's messages", () => {
  const TOKEN = 'XXXXXXXXXXXXXXXXXXXXXXXX';
  const KEY = 'e93facc04764012d7bfb002500d5d1a6';
  const cases = [
    {
      protocol: slackProtocol,
      secret: WEBHOOK,
      // A proxy or a look-alike host in front of the URL: Express answers an unknown path like this.
      answer: response(404, `Cannot POST /services/T00000000/B00000000/${TOKEN}`),
      leaks: [TOKEN, 'B00000000/XXXX'],
    },
    {
      protocol: slackProtocol,
      secret: WEBHOOK,
      // Only the token echoed, long enough that the 200-character excerpt cuts it.
      answer: response(400, `${'.'.repeat(185)} no hook ${TOKEN}`),
      leaks: ['XXXX'],
    },
    {
      protocol: webhookProtocol,
      secret:
        '{"url":"https://soar.example/hooks/a1b2c3d4e5f6a7b8c9d0?sig=s3cr3t-signature-value","token":"t0k3n-abcdef"}',
      answer: response(
        422,
        '{"error":"bad alert","path":"/hooks/a1b2c3d4e5f6a7b8c9d0?sig=s3cr3t-signature-value","auth":"Bearer t0k3n-abcdef"}',
      ),
      leaks: ['a1b2c3d4e5f6a7b8c9d0', 's3cr3t-signature-value', 't0k3n-abcdef'],
    },
    {
      protocol: pagerDutyProtocol('https://events.pagerduty.com/v2/enqueue', 'sluice'),
      secret: KEY,
      answer: response(
        400,
        `{"status":"invalid event","message":"Event object is invalid","errors":["unknown routing_key ${KEY}"]}`,
      ),
      leaks: [KEY],
    },
  ];
  for (const { protocol, secret, answer, leaks } of cases) {
    it(`never quote the secret a ${protocol.type} answer echoes (${answer.status})`, async () => {
      const clock = virtualClock();
      const channel = createHttpChannel({
        name: 'route',
        protocol,
        transport: { request: async () => ({ ok: true, response: answer }) },
        secret: fakeSecret(secret),
        requestTimeoutMs: 10_000,
        sender: { now: clock.now, sleep: clock.sleep, random: () => 0.5 },
      });
      const result = await channel.send(alertDocument(), clock.now() + 10_000);
      assert.equal(result.delivered, false);
      const message = result.delivered ? '' : result.message;
      assert.match(message, /\[redac/);
      for (const leak of leaks) assert.ok(!message.includes(leak), `${leak} in: ${message}`);
    });
  }
});
