import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertDocument } from '../../../../lambda/core/detections/alerts/document';
import type { AlertChannel, ChannelResult } from '../../../../lambda/core/detections/routing/channel';
import { alertRoutes } from '../../../../lambda/core/detections/routing/config';
import { createRouteSinks } from '../../../../lambda/core/detections/routing/create-route-sinks';
import { RouteSink } from '../../../../lambda/core/detections/routing/route-sink';
import { RoutingTable } from '../../../../lambda/core/detections/routing/table';
import type { HttpRequest } from '../../../../lambda/core/http/client';
import type { OutboundRecord } from '../../../../lambda/core/records/types';
import { makeRecord, recordingObserver } from '../../sinks/fixtures';
import { alertDocument, fakeSecret, response, virtualClock } from './fixtures';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/route-AbCdEf';
const DEADLINE = Date.UTC(2030, 0, 1);

type Status = 'opened' | 'updated';

/** A `sluice-alerts` record as the detections stage writes it: the alert document, its status and event id. */
function alertRecord(
  eventId: string,
  overrides: Partial<Omit<AlertDocument, 'status'>> & { status?: Status } = {},
  offset = 0,
): OutboundRecord {
  const value = { ...alertDocument(overrides), eventId };
  return makeRecord(JSON.parse(JSON.stringify(value)) as Record<string, unknown>, {
    id: eventId,
    offset,
    source: 'sluice',
    logType: 'sluice-alerts',
  });
}

/** Records e0, e1, … at offsets 0, 100, …, all `high` openings unless given otherwise. */
function alertRecords(...overrides: (Partial<Omit<AlertDocument, 'status'>> & { status?: Status })[]) {
  return overrides.map((override, index) => alertRecord(`e${index}`, override, index * 100));
}

const refused: ChannelResult = {
  delivered: false,
  attempts: 1,
  code: 'ALERT_CHANNEL_REJECTED',
  message: 'soc: Slack 400 invalid_payload: Slack refused the message',
  retryLater: false,
};
const down: ChannelResult = {
  delivered: false,
  attempts: 4,
  code: 'ALERT_CHANNEL_UNAVAILABLE',
  message: 'soc kept failing (Slack 500 rollup_error); gave up after 4 attempts',
  retryLater: true,
};

/** A channel that answers each alert with `answer(eventId)` (default: delivered) and records what it was sent. */
function fakeChannel(answer: (eventId: string) => ChannelResult = () => ({ delivered: true, attempts: 1 })) {
  const sent: { eventId: string; alert: AlertDocument; deadline: number }[] = [];
  const channel: AlertChannel & { sent: typeof sent } = {
    name: 'soc',
    type: 'slack',
    sent,
    send: async (alert, deadline) => {
      const eventId = (alert as AlertDocument & { eventId: string }).eventId;
      sent.push({ eventId, alert, deadline });
      return answer(eventId);
    },
  };
  return channel;
}

/** The table entry of one route named `soc` (with a secret, unless it is the SNS topic's). */
function routeOf(config: Record<string, unknown>) {
  const secret = config.type === 'sns' ? {} : { secretArn: ARN };
  return new RoutingTable(alertRoutes.parse([{ name: 'soc', ...secret, ...config }])).routes[0];
}

function sinkFor(config: Record<string, unknown>, answer?: (eventId: string) => ChannelResult) {
  const channel = fakeChannel(answer);
  return { sink: new RouteSink(routeOf(config), channel), channel };
}

const ids = (records: readonly OutboundRecord[]) => records.map((record) => record.id);
const sentIds = (channel: ReturnType<typeof fakeChannel>) => channel.sent.map((entry) => entry.eventId);

describe('an alert route as a destination: which alerts it takes', () => {
  it('is named route:<routeName>, and cuts batches of 20 alerts by default', () => {
    const { sink } = sinkFor({ type: 'slack' });
    assert.equal(sink.name, 'route:soc');
    assert.equal(sink.maxBatchRecords, 20);
    const record = alertRecord('e0');
    assert.equal(sink.encodedSize(record), record.bytes.length + 1);
  });

  it('sends an opening of a level it takes, with the delivery deadline, and reports it delivered', async () => {
    const { sink, channel } = sinkFor({ type: 'slack' });
    const batch = alertRecords({ level: 'medium' }, { level: 'critical' });
    const outcome = await sink.deliver(batch, { deadline: DEADLINE });
    assert.deepEqual(sentIds(channel), ['e0', 'e1']);
    assert.deepEqual(
      channel.sent.map((entry) => entry.deadline),
      [DEADLINE, DEADLINE],
    );
    assert.deepEqual(ids(outcome.delivered), ['e0', 'e1']);
    assert.deepEqual([outcome.rejected, outcome.failed, outcome.failure], [[], [], undefined]);
  });

  it('sends the channel the alert document as written, with its status and event id', async () => {
    const { sink, channel } = sinkFor({ type: 'webhook' });
    const [record] = alertRecords({});
    await sink.deliver([record], { deadline: DEADLINE });
    assert.deepEqual(channel.sent[0].alert, record.value);
  });

  it('reports an alert below its levels delivered without sending it: there is nothing to do', async () => {
    // Slack takes medium and above by default; PagerDuty high and above.
    const slack = sinkFor({ type: 'slack' });
    const pager = sinkFor({ type: 'pagerduty' });
    const batch = alertRecords({ level: 'low' }, { level: 'medium' }, { level: 'informational' });
    const [chat, page] = await Promise.all([
      slack.sink.deliver(batch, { deadline: DEADLINE }),
      pager.sink.deliver(batch, { deadline: DEADLINE }),
    ]);
    assert.deepEqual(sentIds(slack.channel), ['e1']);
    assert.deepEqual(sentIds(pager.channel), []);
    assert.deepEqual(ids(chat.delivered), ['e0', 'e1', 'e2']);
    assert.deepEqual(ids(page.delivered), ['e0', 'e1', 'e2']);
  });

  it('takes exactly the levels a route lists', async () => {
    const { sink, channel } = sinkFor({ type: 'pagerduty', levels: ['medium', 'critical'] });
    await sink.deliver(alertRecords({ level: 'medium' }, { level: 'high' }, { level: 'critical' }), {
      deadline: DEADLINE,
    });
    assert.deepEqual(sentIds(channel), ['e0', 'e2']);
  });

  it('sends an update only when the route takes updates (PagerDuty and webhooks by default, not Slack)', async () => {
    const batch = alertRecords({ status: 'opened' }, { status: 'updated', occurrences: 9 });
    const sent: Record<string, string[]> = {};
    for (const [name, config] of Object.entries({
      slack: { type: 'slack' },
      'slack-with-updates': { type: 'slack', updates: true },
      pagerduty: { type: 'pagerduty' },
      'pagerduty-without-updates': { type: 'pagerduty', updates: false },
      webhook: { type: 'webhook' },
      sns: { type: 'sns' },
    })) {
      const { sink, channel } = sinkFor(config);
      const outcome = await sink.deliver(batch, { deadline: DEADLINE });
      assert.deepEqual(ids(outcome.delivered), ['e0', 'e1'], name);
      sent[name] = sentIds(channel);
    }
    assert.deepEqual(sent, {
      slack: ['e0'],
      'slack-with-updates': ['e0', 'e1'],
      pagerduty: ['e0', 'e1'],
      'pagerduty-without-updates': ['e0'],
      webhook: ['e0', 'e1'],
      sns: ['e0'],
    });
  });
});

describe('an alert route as a destination: what its channel answered', () => {
  it('rejects (quarantines) an alert the channel refused for good, with its code and message, and goes on', async () => {
    const { sink, channel } = sinkFor({ type: 'slack' }, (id) =>
      id === 'e1' ? refused : { delivered: true, attempts: 1 },
    );
    const outcome = await sink.deliver(alertRecords({}, {}, {}), { deadline: DEADLINE });
    assert.deepEqual(sentIds(channel), ['e0', 'e1', 'e2']);
    assert.deepEqual(ids(outcome.delivered), ['e0', 'e2']);
    assert.deepEqual(
      outcome.rejected.map(({ record, code, reason }) => [record.id, code, reason]),
      [['e1', 'ALERT_CHANNEL_REJECTED', 'soc: Slack 400 invalid_payload: Slack refused the message']],
    );
    assert.deepEqual([outcome.failed, outcome.failure], [[], undefined]);
  });

  it('fails an alert that can succeed later, and the rest of the batch without sending it', async () => {
    const { sink, channel } = sinkFor({ type: 'slack' }, (id) =>
      id === 'e1' ? down : { delivered: true, attempts: 1 },
    );
    const outcome = await sink.deliver(alertRecords({}, {}, {}, {}), { deadline: DEADLINE });
    assert.deepEqual(sentIds(channel), ['e0', 'e1'], 'nothing after the failed alert is sent');
    assert.deepEqual(ids(outcome.delivered), ['e0']);
    assert.deepEqual(ids(outcome.failed), ['e1', 'e2', 'e3']);
    assert.deepEqual(outcome.failure, {
      code: 'ALERT_CHANNEL_UNAVAILABLE',
      message: 'soc kept failing (Slack 500 rollup_error); gave up after 4 attempts',
    });
  });

  it('keeps every retryable code of the channel as the failure (a wrong secret is fixed, then resent)', async () => {
    const misconfigured: ChannelResult = {
      delivered: false,
      attempts: 2,
      code: 'ALERT_CHANNEL_MISCONFIGURED',
      message: 'soc: Slack 404 no_service: the webhook is revoked or not allowed to post',
      retryLater: true,
    };
    const { sink } = sinkFor({ type: 'slack' }, () => misconfigured);
    const outcome = await sink.deliver(alertRecords({}, {}), { deadline: DEADLINE });
    assert.deepEqual(ids(outcome.failed), ['e0', 'e1']);
    assert.equal(outcome.failure?.code, 'ALERT_CHANNEL_MISCONFIGURED');
  });

  it('reports an alert there was no time to try as the delivery deadline: the route refused nothing', async () => {
    const { sink } = sinkFor({ type: 'slack' }, () => ({
      delivered: false,
      attempts: 0,
      code: 'ALERT_CHANNEL_DEADLINE',
      message: 'soc: no time left to send the alert',
      retryLater: true,
    }));
    const outcome = await sink.deliver(alertRecords({}), { deadline: DEADLINE });
    assert.deepEqual(outcome.failure, {
      code: 'DELIVERY_DEADLINE',
      message: 'soc: no time left to send the alert',
    });
  });

  it('fails the batch, never throws, when a channel throws', async () => {
    const channel: AlertChannel = {
      name: 'soc',
      type: 'slack',
      send: async () => {
        throw new Error('encoder bug');
      },
    };
    const sink = new RouteSink(routeOf({ type: 'slack' }), channel);
    const outcome = await sink.deliver(alertRecords({}, {}), { deadline: DEADLINE });
    assert.deepEqual(ids(outcome.failed), ['e0', 'e1']);
    assert.deepEqual(outcome.failure, { code: 'ALERT_ROUTING_FAILED', message: 'soc: encoder bug' });
  });
});

describe('an alert route as a destination: records that are not alerts', () => {
  const malformed = (value: Record<string, unknown>, offset: number) =>
    makeRecord(value, { id: `bad-${offset}`, offset, logType: 'sluice-alerts' });

  it('rejects a record that is not an alert document with ALERT_RECORD_INVALID, naming the fields, and goes on', async () => {
    const { sink, channel } = sinkFor({ type: 'webhook' });
    const good = alertRecord('e0');
    const notAnAlert = malformed({ action: 'login', user: 'alice' }, 100);
    const unchanged = malformed({ ...(good.value as object), status: 'unchanged' }, 200);
    const badLevel = malformed({ ...(good.value as object), level: 'severe' }, 300);
    const outcome = await sink.deliver([good, notAnAlert, unchanged, badLevel, alertRecord('e4', {}, 400)], {
      deadline: DEADLINE,
    });
    assert.deepEqual(sentIds(channel), ['e0', 'e4']);
    assert.deepEqual(ids(outcome.delivered), ['e0', 'e4']);
    assert.deepEqual(
      outcome.rejected.map(({ record, code }) => [record.id, code]),
      [
        ['bad-100', 'ALERT_RECORD_INVALID'],
        ['bad-200', 'ALERT_RECORD_INVALID'],
        ['bad-300', 'ALERT_RECORD_INVALID'],
      ],
    );
    const [missing, status, level] = outcome.rejected.map((entry) => entry.reason);
    assert.match(missing, /^not an alert document: eventId: .*; status: .*; alertId: .*; and \d+ more$/);
    assert.match(
      status,
      /^not an alert document: status: Invalid option: expected one of "opened"\|"updated"$/,
    );
    assert.match(level, /^not an alert document: level: /);
    assert.equal(outcome.failure, undefined);
  });

  it('never quotes the values of a malformed alert (samples hold record content)', async () => {
    const { sink } = sinkFor({ type: 'webhook' });
    const value = {
      ...(alertRecord('e0').value as object),
      occurrences: 'password=hunter2',
      samples: ['token=s3cr3t'],
    };
    const outcome = await sink.deliver([malformed(value, 0)], { deadline: DEADLINE });
    const [{ reason }] = outcome.rejected;
    assert.match(reason, /occurrences: .*samples\.0: /);
    assert.ok(!reason.includes('hunter2') && !reason.includes('s3cr3t'), reason);
  });
});

describe('createRouteSinks', () => {
  it('makes one destination per route, in order, named by the route (its own name, or its type and position)', () => {
    const sinks = createRouteSinks(
      alertRoutes.parse([
        { type: 'slack', name: 'soc', secretArn: ARN },
        { type: 'pagerduty', secretArn: ARN, levels: ['critical'] },
        { type: 'webhook', secretArn: ARN },
      ]),
      {
        secret: () => fakeSecret('https://hooks.slack.com/services/T/B/X'),
        transport: () => ({
          request: async () => ({ ok: true, response: response(200, 'ok') }),
        }),
      },
    );
    assert.deepEqual(
      sinks.map((sink) => sink.name),
      ['route:soc', 'route:pagerduty-2', 'route:webhook-3'],
    );
    assert.deepEqual([...sinks[1].route.levels], ['critical']);
  });

  it('refuses an SNS route when there is no alert topic', () => {
    assert.throws(
      () =>
        createRouteSinks(alertRoutes.parse([{ type: 'sns' }]), {
          secret: () => fakeSecret(''),
          transport: () => ({ request: async () => ({ ok: true, response: response(200) }) }),
        }),
      { code: 'CONFIG_INVALID' },
    );
  });

  it("sends through the route's channel, and reports the channel's retries as the route's", async () => {
    const clock = virtualClock();
    const answers = [response(500, 'rollup_error'), response(200, 'ok')];
    const requests: HttpRequest[] = [];
    const [sink] = createRouteSinks(alertRoutes.parse([{ type: 'slack', name: 'soc', secretArn: ARN }]), {
      secret: () => fakeSecret('https://hooks.slack.com/services/T/B/X'),
      transport: () => ({
        request: async (request) => {
          requests.push(request);
          return { ok: true, response: answers.shift()! };
        },
      }),
      sender: { now: clock.now, sleep: clock.sleep, random: () => 0.5 },
    });
    const observer = recordingObserver();
    const retried: string[] = [];
    observer.retry = (destination, info) => retried.push(`${destination}: ${info.reason}`);
    const outcome = await sink.deliver(alertRecords({}), { deadline: clock.now() + 60_000, observer });
    assert.deepEqual(ids(outcome.delivered), ['e0']);
    assert.equal(requests.length, 2);
    assert.equal(requests[1].url.href, 'https://hooks.slack.com/services/T/B/X');
    assert.deepEqual(retried, ['route:soc: Slack 500 rollup_error']);
  });
});
