/**
 * Alert routing against local receivers that answer as Slack incoming webhooks, PagerDuty's Events
 * API v2 and a generic webhook do, with alerts made by the detection engine from records.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { AlertOutcome } from '../../../lambda/core/detections/engine';
import { HttpClient } from '../../../lambda/core/http/client';
import type { AlertChannel, ChannelResult } from '../../../lambda/core/detections/routing/channel';
import { alertRoutes } from '../../../lambda/core/detections/routing/config';
import { createAlertChannels } from '../../../lambda/core/detections/routing/create-channels';
import { RoutingTable } from '../../../lambda/core/detections/routing/table';
import type { SecretSource } from '../../../lambda/core/sinks/types';
import {
  startAlertWebhookReceiver,
  type AlertWebhookReceiver,
} from '../../support/receivers/alert-webhook-receiver';
import {
  startPagerDutyEventsReceiver,
  type PagerDutyEventsReceiver,
} from '../../support/receivers/pagerduty-events-receiver';
import {
  startSlackWebhookReceiver,
  type SlackWebhookReceiver,
} from '../../support/receivers/slack-webhook-receiver';
import { correlationRuleSet, engineFor, hit, T0 } from '../../unit/detections/support';

const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/${name}-AbCdEf`;
/** Generous: a retry honouring a 1 s Retry-After must fit, on a busy machine too. */
const deadline = () => Date.now() + 120_000;
/** Short backoff for 429s without Retry-After and 5xx: the tests wait on answers, not on policy. */
const POLICY = { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 4 };

/** Secrets by ARN; a list is a rotation: `refresh` moves to the next value. */
function secretSource(value: string | string[]): SecretSource {
  const list = ([] as string[]).concat(value);
  let index = 0;
  return {
    get: async () => list[index],
    refresh: async () => {
      index = Math.min(index + 1, list.length - 1);
      return list[index];
    },
  };
}

/** The channel of one route, as the route's destination sends through it. */
function channelFor(route: unknown, secretValues: Record<string, string | string[]>): AlertChannel {
  const table = new RoutingTable(alertRoutes.parse([route]));
  const channels = createAlertChannels(table.routes, {
    secret: (secretArn) => secretSource(secretValues[secretArn]),
    transport: () => new HttpClient({ maxSockets: 2 }),
    sender: { policy: POLICY },
  });
  return channels.get(table.routes[0].name)!;
}

/** A `high` alert (the engine's first report): 5 hits of group g1 within 5 minutes. */
async function firstAlerts(count = 5) {
  const { engine, alerts } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 5 }));
  const outcomes = await engine.process(
    Array.from({ length: count }, (_, i) => hit(`r${i}`, i * 10_000, { group: 'g1' })),
    T0 + 60_000,
  );
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0].kind, 'opened');
  return { engine, store: alerts, outcome: outcomes[0] };
}

function failed(result: ChannelResult) {
  assert.equal(result.delivered, false);
  return result as Extract<ChannelResult, { delivered: false }>;
}

describe('alerts to a Slack incoming webhook', () => {
  let slack: SlackWebhookReceiver;
  const channels: AlertChannel[] = [];
  const slackChannel = (secret: string | string[] = slack.webhookUrl) => {
    const channel = channelFor(
      { type: 'slack', name: 'soc', secretArn: arn('slack') },
      {
        [arn('slack')]: secret,
      },
    );
    channels.push(channel);
    return channel;
  };

  // A fresh webhook per test: a rate limit set by one test must not hold the next.
  beforeEach(async () => {
    slack = await startSlackWebhookReceiver();
  });
  afterEach(async () => {
    for (const channel of channels.splice(0)) channel.close?.();
    await slack.close();
  });

  it('posts text and blocks with the title, level, count, times and group-by value', async () => {
    const { outcome } = await firstAlerts();
    const result = await slackChannel().send(outcome.alert, deadline());
    assert.deepEqual(result, { delivered: true, attempts: 1 });
    const [message] = slack.messages;
    assert.equal(message.text, 'HIGH: burst of hits');
    const body = JSON.stringify(message.blocks);
    for (const fact of [
      '*Level*\\nhigh',
      '*Count*\\n5 records within 5 min (threshold ≥ 5)',
      '*group*\\ng1',
    ]) {
      assert.ok(body.includes(fact), `${fact} missing from ${body}`);
    }
    assert.ok(body.includes('2024-02-01T13:00:00.000Z') && body.includes('2024-02-01T13:00:40.000Z'));
  });

  it('waits out a 429 for its Retry-After, then delivers (Slack saw no early retry)', async () => {
    const { outcome } = await firstAlerts();
    slack.injectFaults({ retryAfterSeconds: 1 });
    const result = await slackChannel().send(outcome.alert, deadline());
    assert.deepEqual(result, { delivered: true, attempts: 2 });
    assert.deepEqual(slack.counters.byStatus, { 429: 1, 200: 1 });
    assert.equal(slack.counters.earlyRetries, 0);
    assert.equal(slack.messages.length, 1);
  });

  it('does not hold the invocation for a Retry-After past the deadline', async () => {
    const { outcome } = await firstAlerts();
    slack.injectFaults({ retryAfterSeconds: 600 });
    const result = failed(await slackChannel().send(outcome.alert, Date.now() + 30_000));
    assert.equal(result.code, 'ALERT_CHANNEL_UNAVAILABLE');
    assert.equal(result.retryLater, true);
    assert.match(result.message, /asked to wait 600 s \(Retry-After\), past the deadline/);
    assert.equal(slack.counters.requests, 1);
  });

  it('holds the next alert for a Retry-After it could not wait out: Slack sees no early message', async () => {
    const { outcome } = await firstAlerts();
    const channel = slackChannel();
    slack.injectFaults({ retryAfterSeconds: 600 });
    failed(await channel.send(outcome.alert, Date.now() + 30_000));
    // The next alert, in this invocation or the next one of the same Lambda environment.
    const next = failed(await channel.send({ ...outcome.alert, alertId: 'next' }, Date.now() + 30_000));
    assert.deepEqual([next.code, next.attempts, next.retryLater], ['ALERT_CHANNEL_UNAVAILABLE', 0, true]);
    assert.match(next.message, /^soc asked to wait until .+ \(Retry-After\), past the deadline: not sent$/);
    assert.deepEqual([slack.counters.requests, slack.counters.earlyRetries], [1, 0]);
  });

  it('reports a 400 invalid_payload once, without retrying it', async () => {
    const { outcome } = await firstAlerts();
    slack.injectFaults({ status: 400, body: 'invalid_payload' });
    const result = failed(await slackChannel().send(outcome.alert, deadline()));
    assert.deepEqual([result.code, result.attempts, result.retryLater], ['ALERT_CHANNEL_REJECTED', 1, false]);
    assert.match(result.message, /^soc: Slack 400 invalid_payload/);
    assert.equal(slack.counters.requests, 1);
  });

  it('re-reads a revoked webhook URL once (404 no_service), and posts with the rotated one', async () => {
    const { outcome } = await firstAlerts();
    const revoked = `${slack.url}/services/T00000000/B00000000/revoked`;
    const result = await slackChannel([revoked, slack.webhookUrl]).send(outcome.alert, deadline());
    assert.deepEqual(result, { delivered: true, attempts: 2 });
    assert.deepEqual(slack.counters.byStatus, { 404: 1, 200: 1 });
  });

  it("keeps the alert when the webhook's channel is archived (410), never quoting the URL", async () => {
    const { outcome } = await firstAlerts();
    slack.injectFaults({ status: 410, body: 'channel_is_archived' });
    const result = failed(await slackChannel().send(outcome.alert, deadline()));
    assert.deepEqual([result.code, result.retryLater], ['ALERT_CHANNEL_MISCONFIGURED', true]);
    assert.ok(!result.message.includes(slack.webhookUrl) && !result.message.includes('/services/'));
  });
});

describe('alerts to PagerDuty Events API v2', () => {
  let pagerduty: PagerDutyEventsReceiver;
  const channels: AlertChannel[] = [];
  const pagerChannel = (key: string | string[] = ROUTING_KEY, source = 'sluice-test') => {
    const channel = channelFor(
      { type: 'pagerduty', name: 'on-call', secretArn: arn('pd'), url: pagerduty.eventsUrl, source },
      { [arn('pd')]: key },
    );
    channels.push(channel);
    return channel;
  };

  before(async () => {
    pagerduty = await startPagerDutyEventsReceiver({ routingKey: ROUTING_KEY });
  });
  afterEach(() => {
    for (const channel of channels.splice(0)) channel.close?.();
    pagerduty.events.length = 0;
    pagerduty.alerts.clear();
    pagerduty.counters.requests = 0;
    pagerduty.counters.byStatus = {};
  });
  after(() => pagerduty.close());

  it('triggers one PagerDuty alert per sluice alert: repeated alerts in the dedup period share its dedup_key', async () => {
    const { engine, store, outcome } = await firstAlerts();
    const channel = pagerChannel(ROUTING_KEY, 'sluice');
    assert.equal((await channel.send(outcome.alert, deadline())).delivered, true);
    // The detections stage marks the opening notified once its alert object is written.
    await store.markNotified(outcome.dedupKey);
    // More failures from the same group, later in the same hour: the running count grows.
    const more = await engine.process(
      [hit('r5', 120_000, { group: 'g1' }), hit('r6', 130_000, { group: 'g1' })],
      T0 + 180_000,
    );
    assert.deepEqual(
      more.map((o) => o.kind),
      ['updated'],
    );
    const updated: AlertOutcome = more[0];
    assert.equal((await channel.send(updated.alert, deadline())).delivered, true);

    assert.equal(pagerduty.events.length, 2);
    assert.equal(pagerduty.alerts.size, 1, 'both triggers folded into one alert');
    const [alert] = pagerduty.alerts.values();
    assert.equal(alert.triggers, 2);
    assert.equal(alert.dedupKey, outcome.dedupKey);
    assert.equal(pagerduty.events[0].dedup_key, pagerduty.events[1].dedup_key);
    assert.equal(alert.last.payload?.severity, 'error');
    assert.equal(alert.last.payload?.custom_details?.occurrences, 7);
    assert.match(alert.last.payload?.summary ?? '', /^burst of hits \(high\): /);
  });

  it('reports a 400 invalid event once, without retrying it', async () => {
    const { outcome } = await firstAlerts();
    pagerduty.injectFaults({
      status: 400,
      body: '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.summary\' is missing"]}',
    });
    const result = failed(await pagerChannel().send(outcome.alert, deadline()));
    assert.deepEqual([result.code, result.attempts, result.retryLater], ['ALERT_CHANNEL_REJECTED', 1, false]);
    assert.match(result.message, /PagerDuty 400: Event object is invalid; 'payload.summary' is missing/);
    assert.equal(pagerduty.counters.requests, 1);
  });

  it('retries a 429 and a 502 with backoff, then delivers', async () => {
    const { outcome } = await firstAlerts();
    pagerduty.injectFaults({ status: 429, body: '' }, { status: 502, body: '' });
    const result = await pagerChannel().send(outcome.alert, deadline());
    assert.deepEqual(result, { delivered: true, attempts: 3 });
    assert.deepEqual(pagerduty.counters.byStatus, { 429: 1, 502: 1, 202: 1 });
  });

  it('stops at a wrong routing key after re-reading the secret once, never quoting the key', async () => {
    const { outcome } = await firstAlerts();
    const wrong = 'ffffffffffffffffffffffffffffffff';
    const result = failed(await pagerChannel(wrong).send(outcome.alert, deadline()));
    assert.equal(result.code, 'ALERT_CHANNEL_MISCONFIGURED');
    assert.equal(pagerduty.counters.requests, 2);
    assert.ok(!result.message.includes(wrong));
  });
});

describe('alerts to a generic webhook', () => {
  let webhook: AlertWebhookReceiver;
  before(async () => {
    webhook = await startAlertWebhookReceiver({ token: 'hook-token' });
  });
  after(() => webhook.close());

  it('posts the alert document itself, with the bearer token and the alert id', async () => {
    const { outcome } = await firstAlerts();
    const channel = channelFor(
      { type: 'webhook', name: 'soar', secretArn: arn('hook') },
      { [arn('hook')]: JSON.stringify({ url: `${webhook.url}/alerts`, token: 'hook-token' }) },
    );
    const result = await channel.send(outcome.alert, deadline());
    channel.close?.();
    assert.deepEqual(result, { delivered: true, attempts: 1 });
    const [received] = webhook.received;
    assert.deepEqual(received.body, JSON.parse(JSON.stringify(outcome.alert)));
    assert.equal(received.headers['x-sluice-alert-id'], outcome.alert.alertId);
  });
});
