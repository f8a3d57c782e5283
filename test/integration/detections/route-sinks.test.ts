/**
 * Alert routes as forwarder destinations: an object of `sluice-alerts` records (as the detections
 * stage writes them) forwarded to route sinks, against local receivers that answer as Slack incoming
 * webhooks, PagerDuty's Events API v2 and a generic webhook do. Each route keeps its own progress: a
 * continuation resumes each at its first undelivered alert and sends nothing twice.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { AlertDocument } from '../../../lambda/core/detections/alerts/document';
import { alertObject } from '../../../lambda/core/detections/stage/alert-object';
import { alertRoutes } from '../../../lambda/core/detections/routing/config';
import { createRouteSinks } from '../../../lambda/core/detections/routing/create-route-sinks';
import type { RouteSink } from '../../../lambda/core/detections/routing/route-sink';
import {
  forwardObject,
  type ForwardDependencies,
  type ForwardResult,
} from '../../../lambda/core/forward/forward-object';
import { HttpClient, type HttpTransport } from '../../../lambda/core/http/client';
import type { ObjectWork } from '../../../lambda/core/notifications/object-ref';
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
import { MemoryObjects, MemoryQuarantine, objectRef } from '../../unit/forward/fakes';
import { alertDocument } from '../../unit/detections/routing/fixtures';
import { correlationRuleSet, engineFor, hit, T0 } from '../../unit/detections/support';

const ALERTS_LOG_TYPE = 'sluice-alerts';
const KEY = 'sluice/sluice-alerts/2024/02/01/13/00/alerts.json';
/** The implicit source the detections stage's alert objects are read with. */
const ALERTS_SOURCE = {
  name: 'sluice',
  format: 'ndjson' as const,
  timestampField: 'detectedAt',
  idFieldByLogType: { [ALERTS_LOG_TYPE]: 'eventId' },
};
const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/${name}-AbCdEf`;
/** Short backoff for 5xx and 429 without Retry-After: the tests wait on answers, not on policy. */
const POLICY = { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 2 };

interface AlertLine {
  readonly eventId: string;
  readonly status: 'opened' | 'updated';
  readonly alert: string;
  readonly level: AlertDocument['level'];
  readonly occurrences?: number;
}

/** One `sluice-alerts` line: the alert document (alert `alert`, e.g. `A`), its status and event id. */
function line({ eventId, status, alert, level, occurrences = 7 }: AlertLine): string {
  return JSON.stringify({
    ...alertDocument({
      alertId: `alert-${alert}`.padEnd(22, '0'),
      dedupKey: `sdm_rule_${alert}||2024-02-01T13:00:00.000Z`,
      level,
      status,
      occurrences,
      rule: { ...alertDocument().rule, key: `sdm_rule_${alert}`, title: `rule ${alert}` },
    }),
    eventId,
  });
}

function alertsObject(lines: readonly string[]): MemoryObjects {
  return new MemoryObjects({ [KEY]: Buffer.from(lines.map((text) => `${text}\n`).join('')) });
}

/** Secrets by ARN, as the Secrets Manager adapter's source would read them. */
function secrets(values: Record<string, string>) {
  return (secretArn: string): SecretSource => ({
    get: async () => values[secretArn],
    refresh: async () => values[secretArn],
  });
}

/** A real HTTP client; `beforeRequest(n)` runs before its n-th request (1-based), e.g. to program a fault. */
function transport(beforeRequest: (n: number) => void = () => undefined): HttpTransport {
  const client = new HttpClient({ maxSockets: 1 });
  let requests = 0;
  return {
    request: (request) => {
      requests += 1;
      beforeRequest(requests);
      return client.request(request);
    },
    close: () => client.close(),
  };
}

function forwarder(objects: MemoryObjects, sinks: readonly RouteSink[]) {
  const quarantine = new MemoryQuarantine();
  const deps: ForwardDependencies = {
    source: ALERTS_SOURCE,
    logTypeFromKey: ALERTS_LOG_TYPE,
    destinations: sinks.map((sink) => ({ sink, logTypes: [ALERTS_LOG_TYPE], maxInFlight: 1 })),
    objects,
    quarantine,
    maxRecordBytes: 1024 * 1024,
    maxObjectBytes: 64 * 1024 * 1024,
    now: Date.now,
    stopReadingAt: Number.POSITIVE_INFINITY,
    // Generous: a retry honouring a 1 s Retry-After must fit, on a busy machine too.
    deliveryDeadline: Date.now() + 120_000,
  };
  /** Forwards an object: fresh, or continuing an incomplete pass where each route stopped. */
  const forward = (earlier?: ForwardResult, key = KEY) => {
    const work: ObjectWork =
      earlier?.status === 'incomplete'
        ? { object: earlier.work.object, progress: earlier.work.progress, encoding: earlier.work.encoding }
        : { object: objectRef(key) };
    return forwardObject(work, { ...deps, deliveryDeadline: Date.now() + 120_000 });
  };
  return { forward, quarantine };
}

function incomplete(result: ForwardResult) {
  assert.equal(result.status, 'incomplete');
  return result as Extract<ForwardResult, { status: 'incomplete' }>;
}

/** Byte offset of line `index` of an object made of `lines`. */
function offsetOf(lines: readonly string[], index: number): number {
  return lines.slice(0, index).reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
}

describe('alert routes as destinations: Slack and PagerDuty', () => {
  let slack: SlackWebhookReceiver;
  let pagerduty: PagerDutyEventsReceiver;
  const sinks: RouteSink[] = [];

  /** `soc` (Slack: medium and above, openings) and `on-call` (PagerDuty: high and above, with updates). */
  function routes(pagerDutyRequest?: (n: number) => void): RouteSink[] {
    const made = createRouteSinks(
      alertRoutes.parse([
        { type: 'slack', name: 'soc', secretArn: arn('slack') },
        { type: 'pagerduty', name: 'on-call', secretArn: arn('pd'), url: pagerduty.eventsUrl },
      ]),
      {
        secret: secrets({ [arn('slack')]: slack.webhookUrl, [arn('pd')]: ROUTING_KEY }),
        transport: (route) => transport(route.config.type === 'pagerduty' ? pagerDutyRequest : undefined),
        sender: { policy: POLICY },
      },
    );
    sinks.push(...made);
    return made;
  }

  // Fresh receivers per test: a rate limit or a fault set by one test must not reach the next.
  beforeEach(async () => {
    slack = await startSlackWebhookReceiver();
    pagerduty = await startPagerDutyEventsReceiver({ routingKey: ROUTING_KEY });
  });
  afterEach(async () => {
    for (const sink of sinks.splice(0)) sink.close();
    await Promise.all([slack.close(), pagerduty.close()]);
  });

  const lines = [
    line({ eventId: 'e0', status: 'opened', alert: 'A', level: 'high' }),
    line({ eventId: 'e1', status: 'updated', alert: 'A', level: 'high', occurrences: 9 }),
    line({ eventId: 'e2', status: 'opened', alert: 'B', level: 'critical' }),
    line({ eventId: 'e3', status: 'opened', alert: 'C', level: 'medium' }),
    line({ eventId: 'e4', status: 'updated', alert: 'B', level: 'critical', occurrences: 12 }),
  ];

  it('sends each route the alerts of its levels and kinds, once each, in order', async () => {
    const { forward } = forwarder(alertsObject(lines), routes());
    const result = await forward();
    assert.equal(result.status, 'complete');
    assert.deepEqual(
      slack.messages.map((message) => message.text),
      ['HIGH: rule A', 'CRITICAL: rule B', 'MEDIUM: rule C'],
    );
    assert.deepEqual(
      pagerduty.events.map((event) => [event.dedup_key, event.payload?.custom_details?.occurrences]),
      [
        ['sdm_rule_A||2024-02-01T13:00:00.000Z', 7],
        ['sdm_rule_A||2024-02-01T13:00:00.000Z', 9],
        ['sdm_rule_B||2024-02-01T13:00:00.000Z', 7],
        ['sdm_rule_B||2024-02-01T13:00:00.000Z', 12],
      ],
    );
    // Alerts a route does not take count as delivered: its progress passes them.
    assert.deepEqual(result.summary.destinations, {
      'route:soc': { delivered: 5, rejected: 0, failed: 0 },
      'route:on-call': { delivered: 5, rejected: 0, failed: 0 },
    });
  });

  it('resumes a route rate limited past the deadline (429, Retry-After) at that alert, sending none twice', async () => {
    // PagerDuty answers its second event (e1) 429 with a Retry-After far past the deadline.
    const made = routes((n) => {
      if (n === 2) pagerduty.injectFaults({ status: 429, body: '', headers: { 'retry-after': '600' } });
    });
    const { forward } = forwarder(alertsObject(lines), made);

    const first = incomplete(await forward());
    assert.equal(first.reason, 'destination-failed');
    assert.deepEqual(first.work.progress, { 'route:soc': 'done', 'route:on-call': offsetOf(lines, 1) });
    assert.match(first.failures[0].message, /asked to wait 600 s \(Retry-After\), past the deadline/);
    assert.deepEqual(
      [first.failures[0].destination, first.failures[0].code],
      ['route:on-call', 'ALERT_CHANNEL_UNAVAILABLE'],
    );
    assert.deepEqual(
      pagerduty.counters.byStatus,
      { 202: 1, 429: 1 },
      'e2 and e4 were not sent after e1 failed',
    );
    assert.equal(slack.messages.length, 3);

    // At once, in the same Lambda environment: the channel holds e1 for its Retry-After, unsent.
    const held = incomplete(await forward(first));
    assert.deepEqual(held.work.progress, first.work.progress);
    assert.match(
      held.failures[0].message,
      /^on-call asked to wait until .+ \(Retry-After\), past the deadline/,
    );
    assert.equal(pagerduty.counters.requests, 2, 'PagerDuty was not asked again');

    // In another environment (Lambda's choice), which was not told to wait.
    const second = await forwarder(alertsObject(lines), routes()).forward(first);
    assert.equal(second.status, 'complete');
    assert.equal(slack.messages.length, 3, 'Slack took every alert the first time: none is sent again');
    assert.deepEqual(
      pagerduty.events.map((event) => event.payload?.custom_details?.occurrences),
      [7, 9, 7, 12],
      'PagerDuty got e0 once, then e1, e2, e4 in order',
    );
    assert.deepEqual(
      [...pagerduty.alerts.values()].map((alert) => [alert.dedupKey, alert.triggers]),
      [
        ['sdm_rule_A||2024-02-01T13:00:00.000Z', 2],
        ['sdm_rule_B||2024-02-01T13:00:00.000Z', 2],
      ],
    );
  });

  it('waits out a Slack 429 for its Retry-After within the invocation, and delivers every alert once', async () => {
    slack.injectFaults({ retryAfterSeconds: 1 });
    const { forward } = forwarder(alertsObject(lines), routes());
    const result = await forward();
    assert.equal(result.status, 'complete');
    assert.deepEqual(
      slack.messages.map((message) => message.text),
      ['HIGH: rule A', 'CRITICAL: rule B', 'MEDIUM: rule C'],
    );
    assert.deepEqual(slack.counters.byStatus, { 429: 1, 200: 3 });
    assert.equal(slack.counters.earlyRetries, 0, 'no message before the Retry-After had passed');
  });

  it('quarantines an alert Slack (400 invalid_payload) or PagerDuty (400) refuses, without retrying it', async () => {
    slack.injectFaults({ status: 400, body: 'invalid_payload' });
    pagerduty.injectFaults({
      status: 400,
      body: '{"status":"invalid event","message":"Event object is invalid","errors":["\'payload.summary\' is missing"]}',
    });
    const { forward, quarantine } = forwarder(alertsObject(lines), routes());
    const result = await forward();
    assert.equal(result.status, 'complete');
    assert.deepEqual(slack.counters.byStatus, { 400: 1, 200: 2 });
    assert.deepEqual(
      slack.messages.map((message) => message.text),
      ['CRITICAL: rule B', 'MEDIUM: rule C'],
    );
    assert.deepEqual(pagerduty.counters.byStatus, { 400: 1, 202: 3 });
    assert.deepEqual(
      quarantine.entries.map(({ destination, recordId, code, offset }) => [
        destination,
        recordId,
        code,
        offset,
      ]),
      [
        ['route:soc', 'e0', 'ALERT_CHANNEL_REJECTED', 0],
        ['route:on-call', 'e0', 'ALERT_CHANNEL_REJECTED', 0],
      ],
    );
    assert.match(quarantine.entries[1].reason, /PagerDuty 400: Event object is invalid/);
    assert.deepEqual(JSON.parse(quarantine.entries[0].record!).eventId, 'e0');
  });
});

describe('alert routes as destinations: a generic webhook', () => {
  let webhook: AlertWebhookReceiver;
  const sinks: RouteSink[] = [];

  before(async () => {
    webhook = await startAlertWebhookReceiver({ token: 'hook-token' });
  });
  afterEach(() => {
    for (const sink of sinks.splice(0)) sink.close();
    webhook.received.length = 0;
    webhook.counters.requests = 0;
    webhook.counters.byStatus = {};
  });
  after(() => webhook.close());

  function soar(beforeRequest?: (n: number) => void): RouteSink[] {
    const made = createRouteSinks(
      alertRoutes.parse([{ type: 'webhook', name: 'soar', secretArn: arn('hook'), minLevel: 'low' }]),
      {
        secret: secrets({
          [arn('hook')]: JSON.stringify({ url: `${webhook.url}/alerts`, token: 'hook-token' }),
        }),
        transport: () => transport(beforeRequest),
        sender: { policy: POLICY },
      },
    );
    sinks.push(...made);
    return made;
  }

  const lines = [
    line({ eventId: 'e0', status: 'opened', alert: 'A', level: 'low' }),
    line({ eventId: 'e1', status: 'opened', alert: 'B', level: 'high' }),
    line({ eventId: 'e2', status: 'updated', alert: 'A', level: 'low', occurrences: 8 }),
    line({ eventId: 'e3', status: 'opened', alert: 'C', level: 'critical' }),
  ];
  const receivedIds = () => webhook.received.map((received) => received.body.eventId);

  it('posts each alert document as written, with its event id and status', async () => {
    const { forward } = forwarder(alertsObject(lines), soar());
    assert.equal((await forward()).status, 'complete');
    assert.deepEqual(receivedIds(), ['e0', 'e1', 'e2', 'e3']);
    assert.deepEqual(
      webhook.received.map(({ body }) => body),
      lines.map((text) => JSON.parse(text)),
    );
    assert.equal(webhook.received[0].headers['x-sluice-alert-id'], 'alert-A'.padEnd(22, '0'));
  });

  it('sends the alert objects the detections stage writes: an opening, then its update', async () => {
    const { engine, alerts } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 5 }));
    const [opening] = await engine.process(
      Array.from({ length: 5 }, (_, i) => hit(`r${i}`, i * 10_000)),
      T0 + 60_000,
    );
    await alerts.markNotified(opening.dedupKey);
    // Five more records take the running count to 10, a step the stage writes an update at.
    const [update] = await engine.process(
      Array.from({ length: 5 }, (_, i) => hit(`r${5 + i}`, 120_000 + i * 10_000)),
      T0 + 180_000,
    );
    assert.deepEqual([opening.kind, update.kind], ['opened', 'updated']);
    const written = [
      alertObject('sluice', { status: 'opened' }, opening.alert),
      alertObject('sluice', { status: 'updated', step: 10 }, update.alert),
    ];
    const objects = new MemoryObjects(
      Object.fromEntries(written.map(({ key, body }) => [key, Buffer.from(body)])),
    );
    const { forward, quarantine } = forwarder(objects, soar());
    for (const { key } of written) assert.equal((await forward(undefined, key)).status, 'complete');
    assert.deepEqual(quarantine.entries, []);
    assert.deepEqual(
      webhook.received.map(({ body }) => [body.eventId, body.status, body.occurrences]),
      [
        [written[0].name, 'opened', 5],
        [written[1].name, 'updated', 10],
      ],
    );
  });

  it('resumes at an alert the webhook kept failing (5xx) once its retries ran out, sending none twice', async () => {
    // Its third request (e2) and both retries answer 503.
    const made = soar((n) => {
      if (n === 3) webhook.injectFaults(...Array.from({ length: 3 }, () => ({ status: 503, body: '{}' })));
    });
    const { forward } = forwarder(alertsObject(lines), made);
    const first = incomplete(await forward());
    assert.deepEqual(first.work.progress, { 'route:soar': offsetOf(lines, 2) });
    assert.deepEqual(
      [first.failures[0].code, first.summary.destinations['route:soar']],
      ['ALERT_CHANNEL_UNAVAILABLE', { delivered: 2, rejected: 0, failed: 2 }],
    );
    assert.deepEqual(receivedIds(), ['e0', 'e1']);

    assert.equal((await forward(first)).status, 'complete');
    assert.deepEqual(receivedIds(), ['e0', 'e1', 'e2', 'e3']);
    assert.deepEqual(webhook.counters.byStatus, { 200: 4, 503: 3 });
  });

  it('quarantines an alert the webhook refuses (422) and a line that is no alert, and delivers the rest', async () => {
    const withJunk = [lines[0], JSON.stringify({ eventId: 'junk', action: 'login' }), lines[1], lines[3]];
    const made = soar((n) => {
      if (n === 2) webhook.injectFaults({ status: 422, body: '{"error":"unprocessable"}' });
    });
    const { forward, quarantine } = forwarder(alertsObject(withJunk), made);
    const result = await forward();
    assert.equal(result.status, 'complete');
    assert.deepEqual(receivedIds(), ['e0', 'e3']);
    assert.deepEqual(
      quarantine.entries.map(({ destination, recordId, code }) => [destination, recordId, code]),
      [
        ['route:soar', 'junk', 'ALERT_RECORD_INVALID'],
        ['route:soar', 'e1', 'ALERT_CHANNEL_REJECTED'],
      ],
    );
    assert.match(quarantine.entries[0].reason, /^not an alert document: status: /);
  });
});
