import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordMarker } from '../../../bench/data/strongdm';
import { alertIdOf } from '../../../lambda/core/detections/alerts/document';
import type { AlertRecord } from '../../../lambda/core/detections/routing/alert-record';
import { AlertRoutingCodes } from '../../../lambda/core/detections/routing/codes';
import { stepAtMost } from '../../../lambda/core/detections/stage/update-steps';
import { parseTimespan } from '../../../lambda/core/detections/timespan';
import { BUCKET } from '../../support/pipeline';
import {
  pagerDutyEventOf,
  pagerDutyEventOfAlert,
  slackAlertId,
  startDetectionScenario,
  type DetectionScenario,
} from './support/detection-scenario';
import {
  detectionObjects,
  referenceAlerts,
  strongDmPack,
  type ReferenceAlert,
} from './support/detection-workload';
import { takeQuarantine } from './support/ledger';
import { drainWithWorkers, messageCount } from './support/workers';

const SEED = 9001;
const DEDUP_PERIOD = '1m';
const START = Date.UTC(2024, 1, 1, 18, 0, 0);
const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
const atLeast = (level: string, floor: (typeof LEVELS)[number]) =>
  LEVELS.indexOf(level as (typeof LEVELS)[number]) >= LEVELS.indexOf(floor);

function count<T>(items: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/**
 * Detections under faults: StrongDM objects that make the StrongDM pack fire, three workers running
 * the real forwarder handler on moto, DynamoDB failing under the detections stage (throttling,
 * provisioned throughput exceeded, internal errors, connections dropped before and after the write
 * applied, and calls that fail after all the SDK's retries), alert routes misbehaving (Slack 429 with
 * Retry-After, PagerDuty 429 and 500, a webhook answering 503, and connections reset or lost after
 * the channel took the alert), and the SIEM flaky as in the other suites.
 *
 * What the design guarantees, and what is asserted:
 * - every vendor record reaches the SIEM: Elasticsearch exactly once by `_id`, Splunk at least once
 *   (a copy more only for an answer lost after indexing);
 * - the alerts (dedup keys) are those a fault-free run opens, and each written alert event reaches
 *   Elasticsearch exactly once (`_id` = `eventId`) and Splunk at least once;
 * - each alert event reaches every route that takes it (level and kind) at least once. Slack and a
 *   webhook have no deduplication: the route resends an alert whose answer it did not read, so a copy
 *   more is allowed for, and only for, a request the channel accepted whose answer was lost. A 429 or
 *   503 means the channel did not post: it never explains a duplicate. PagerDuty folds triggers by
 *   `dedup_key`, so resends land on one alert;
 * - a route that refuses an alert for good quarantines it, naming the route; nothing is left in the DLQ.
 */
describe('fault injection: detections with flaky DynamoDB, alert routes and SIEM under concurrent workers', () => {
  const rules = strongDmPack();
  const objects = detectionObjects({ seed: SEED, minutes: 16, startMs: START });
  let scenario: DetectionScenario;
  let reference: Map<string, ReferenceAlert>;
  /** The alert the webhook refuses for good (422): the first low-level one, a route only the webhook takes. */
  let refusedDedupKey: string;

  before(async () => {
    scenario = await startDetectionScenario({
      seed: SEED,
      maxReceiveCount: 10,
      rules,
      dedupPeriod: DEDUP_PERIOD,
      bulk: { itemRejectionProbability: 0.05 },
      hecFaults: { probabilities: { busy: 0.08, reset: 0.05, lost: 0.05, slow: 0.03 }, slowMs: 1_200 },
      esFaults: { probabilities: { busy: 0.08, reset: 0.05, lost: 0.05, slow: 0.03 }, slowMs: 1_200 },
      dynamoDbFaults: {
        probabilities: { throughput: 0.03, throttling: 0.03, internal: 0.02, reset: 0.02, lost: 0.02 },
        doomEvery: 150,
      },
      // Every so many alerts, a route fails one for longer than the sender's attempts: the route fails
      // the alert and a later invocation sends it again (from the route's own progress).
      slackFaults: {
        first: ['refuse', 'lost', 'reset'],
        doom: { every: 12, requests: 7, fault: 'reset' },
        probabilities: { refuse: 0.15, reset: 0.04, lost: 0.05 },
        refusals: [
          {
            status: 429,
            body: 'rate_limited',
            headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' },
          },
        ],
      },
      pagerDutyFaults: {
        first: ['refuse', 'lost', 'refuse', 'reset'],
        doom: { every: 5, requests: 7, fault: 'refuse' },
        probabilities: { refuse: 0.15, reset: 0.04, lost: 0.04 },
        refusals: [
          { status: 429, body: '', headers: { 'content-type': 'application/json' } },
          {
            status: 500,
            body: JSON.stringify({ status: 'error', message: 'Internal Server Error' }),
            headers: { 'content-type': 'application/json' },
          },
        ],
      },
      webhookFaults: {
        first: ['refuse', 'lost', 'reset'],
        doom: { every: 12, requests: 7, fault: 'refuse' },
        probabilities: { refuse: 0.12, reset: 0.08, lost: 0.05 },
        refusals: [
          {
            status: 503,
            body: JSON.stringify({ error: 'service unavailable' }),
            headers: { 'content-type': 'application/json' },
          },
        ],
        decide: (_eventId, body) =>
          (JSON.parse(body) as { dedupKey?: string }).dedupKey === refusedDedupKey
            ? {
                status: 422,
                body: JSON.stringify({ error: 'alert refused by policy' }),
                headers: { 'content-type': 'application/json' },
              }
            : undefined,
      },
    });
    reference = await referenceAlerts({
      objects,
      bucket: BUCKET,
      rules,
      sources: scenario.runtime.sources,
      source: scenario.runtime.sources[0],
      dedupPeriodMs: parseTimespan(DEDUP_PERIOD),
      latenessMs: scenario.runtime.detections!.latenessMs,
    });
    // Chosen before any alert is sent (the proxy reads it per request).
    refusedDedupKey = [...reference]
      .filter(([, alert]) => alert.level === 'low')
      .map(([key]) => key)
      .sort()[0];
  });
  after(async () => scenario?.stop());

  it('opens the reference alerts, delivers every record and alert event, routes each alert event, leaves nothing in the DLQ', async (t) => {
    for (const object of objects) await scenario.pipeline.putObject(object.key, object.body);
    const stats = await drainWithWorkers(scenario.pipeline.sqs, scenario.pipeline.queueUrl, {
      handlers: scenario.handlers(3, { maxBatchRecords: 40, maxConcurrency: 2, requestTimeoutSeconds: 1 }),
      remainingMs: 12_000,
      timeoutMs: 300_000,
    });
    const { hec, bulk, slack, pagerduty, webhook } = scenario;
    const { hecProxy, esProxy, dynamoDbProxy, slackProxy, pagerDutyProxy, webhookProxy } = scenario;
    const written = await scenario.writtenAlerts();
    const quarantine = await takeQuarantine(scenario.pipeline.s3, BUCKET);
    const events = [...written.values()];
    const dedupKeys = new Set(events.map((event) => event.dedupKey));
    const takenBy = (route: (event: AlertRecord) => boolean) => events.filter(route);

    t.diagnostic(
      `vendor objects ${objects.length}, records ${objects.reduce((sum, object) => sum + object.records, 0)}; ` +
        `reference alerts ${reference.size}; written alert events ${written.size} (openings ${events.filter((event) => event.status === 'opened').length}); ` +
        `invocations ${stats.invocations}, messages ${stats.received} (failed ${stats.failed}, continuations ${stats.continuationsReceived})`,
    );
    t.diagnostic(
      `DynamoDB: requests ${dynamoDbProxy.counters.requests}, calls ${dynamoDbProxy.counters.calls} (doomed ${dynamoDbProxy.counters.doomedCalls}), ` +
        `faults ${JSON.stringify(dynamoDbProxy.counters.byFault)}, operations ${JSON.stringify(dynamoDbProxy.counters.byOperation)}`,
    );
    for (const [name, proxy] of [
      ['Slack', slackProxy],
      ['PagerDuty', pagerDutyProxy],
      ['webhook', webhookProxy],
    ] as const) {
      t.diagnostic(
        `${name}: requests ${proxy.books.requests}, faults ${JSON.stringify(proxy.books.byFault)}, refused with ${JSON.stringify(proxy.books.refusedWith)}, doomed alerts ${proxy.books.doomedAlerts} (requests ${proxy.books.doomedRequests}), ` +
          `answers lost after posting ${[...proxy.lost.values()].reduce((sum, n) => sum + n, 0)}, early retries ${proxy.books.earlyRetries}`,
      );
    }
    t.diagnostic(
      `HEC proxy faults ${JSON.stringify(hecProxy.counters.byFault)}; _bulk proxy faults ${JSON.stringify(esProxy.counters.byFault)}, items answered 429 ${bulk.counters.itemRejections}`,
    );

    // The faults really happened.
    for (const fault of ['throughput', 'throttling', 'internal', 'reset', 'lost'] as const)
      assert.ok(dynamoDbProxy.counters.byFault[fault] > 0, `DynamoDB ${fault}`);
    assert.ok(dynamoDbProxy.counters.doomedCalls > 0, 'some DynamoDB calls failed after every SDK retry');
    for (const proxy of [slackProxy, pagerDutyProxy, webhookProxy]) {
      for (const fault of ['refuse', 'reset', 'lost'] as const)
        assert.ok(proxy.books.byFault[fault] > 0, fault);
      assert.ok(proxy.lost.size > 0, 'a channel took an alert whose answer was lost');
      assert.ok(proxy.books.doomedAlerts > 0, 'a route failed an alert past its sender’s retries');
    }
    assert.ok((slackProxy.books.refusedWith[429] ?? 0) > 0, 'Slack answered 429 with Retry-After');
    for (const status of [429, 500])
      assert.ok((pagerDutyProxy.books.refusedWith[status] ?? 0) > 0, `PagerDuty answered ${status}`);
    assert.ok((webhookProxy.books.refusedWith[503] ?? 0) > 0, 'the webhook answered 503');
    for (const proxy of [hecProxy, esProxy])
      for (const fault of ['busy', 'reset', 'lost', 'slow'] as const)
        assert.ok(proxy.counters.byFault[fault] > 0, fault);

    // Vendor records: Elasticsearch exactly once by _id, Splunk at least once.
    const sent = new Set(objects.flatMap((object) => object.markers));
    const esVendor = count(
      bulk
        .documents()
        .filter((document) => !('dedupKey' in (document as object)))
        .map((document) => recordMarker(document as Record<string, unknown>)),
    );
    const hecVendor = count(
      hec.events
        .filter((event) => event.sourcetype !== 'sluice:sluice-alerts')
        .map((event) => recordMarker(event.event as Record<string, unknown>)),
    );
    const missingInEs = [...sent].filter((marker) => esVendor.get(marker) !== 1);
    assert.deepEqual(
      missingInEs.slice(0, 5),
      [],
      `${missingInEs.length} records not exactly once in Elasticsearch`,
    );
    assert.equal(esVendor.size, sent.size, 'Elasticsearch holds nothing but the records sent');
    for (const marker of sent) {
      const copies = hecVendor.get(marker) ?? 0;
      assert.ok(copies >= 1, `${marker} never reached Splunk`);
      assert.ok(
        copies - 1 <= (hecProxy.lostMarkers.get(marker) ?? 0),
        `${marker}: ${copies} copies in Splunk`,
      );
    }

    // The alerts are the fault-free run's; each has its opening written.
    assert.deepEqual([...dedupKeys].sort(), [...reference.keys()].sort(), 'the alerts opened');
    for (const key of dedupKeys)
      assert.ok(
        events.some((event) => event.dedupKey === key && event.status === 'opened'),
        `${key} has no opening`,
      );
    // Redeliveries, SDK retries of writes that applied, and resumed batches never count a record twice.
    for (const event of events)
      assert.ok(
        event.occurrences <= reference.get(event.dedupKey)!.occurrences,
        `${event.eventId} (${event.dedupKey}) counts ${event.occurrences}, the reference ${reference.get(event.dedupKey)!.occurrences}`,
      );
    // …and no step is lost: a registration that applied before its batch failed leaves its step to
    // the batch's next run, so each alert is written up to the last step of its final count.
    for (const [key, { occurrences: final }] of reference) {
      const shown = Math.max(
        ...events.filter((event) => event.dedupKey === key).map((event) => event.occurrences),
      );
      assert.ok(
        shown >= stepAtMost(final),
        `${key}: written up to ${shown} of ${final} (last step ${stepAtMost(final)})`,
      );
    }

    // Alert events in the SIEM: Elasticsearch exactly once per eventId, Splunk at least once.
    const esAlerts = count(
      bulk
        .documents()
        .filter((document) => 'dedupKey' in (document as object))
        .map((document) => (document as { eventId: string }).eventId),
    );
    assert.deepEqual(
      [...esAlerts.keys()].sort(),
      [...written.keys()].sort(),
      'alert events in Elasticsearch',
    );
    assert.deepEqual(
      [...esAlerts].filter(([, copies]) => copies !== 1),
      [],
      'each alert event once in Elasticsearch',
    );
    const hecAlerts = count(
      hec.events
        .filter((event) => event.sourcetype === 'sluice:sluice-alerts')
        .map((event) => (event.event as { eventId: string }).eventId),
    );
    for (const eventId of written.keys()) {
      const copies = hecAlerts.get(eventId) ?? 0;
      assert.ok(copies >= 1, `alert event ${eventId} never reached Splunk`);
      assert.ok(
        copies - 1 <= (hecProxy.lostMarkers.get(eventId) ?? 0),
        `${eventId}: ${copies} copies in Splunk`,
      );
    }

    // Slack: openings of medium and above, each at least once; a copy more only for a lost answer.
    const slackCopies = count(slack.messages.map((message) => slackAlertId(JSON.stringify(message))));
    const slackTakes = takenBy((event) => event.status === 'opened' && atLeast(event.level, 'medium'));
    assert.ok(slackTakes.length > 0);
    for (const event of slackTakes) {
      const copies = slackCopies.get(event.alertId) ?? 0;
      assert.ok(copies >= 1, `${event.dedupKey}: opening never reached Slack`);
      assert.ok(
        copies - 1 <= (slackProxy.lost.get(event.alertId) ?? 0),
        `${event.dedupKey}: ${copies} Slack messages, ${slackProxy.lost.get(event.alertId) ?? 0} answers lost`,
      );
    }
    assert.deepEqual(
      [...slackCopies.keys()].filter((id) => !slackTakes.some((event) => event.alertId === id)),
      [],
      'Slack got nothing it does not take',
    );
    assert.equal(slackProxy.books.earlyRetries, 0, 'Slack was never retried before its Retry-After');

    // PagerDuty: openings and updates of high and above, each at least once, folded by dedup key.
    const pagerDutyEvents = count(
      pagerduty.events.map((event) => pagerDutyEventOf(event.payload?.custom_details)),
    );
    const pagerDutyTakes = takenBy((event) => atLeast(event.level, 'high'));
    assert.ok(pagerDutyTakes.length > 0);
    for (const event of pagerDutyTakes) {
      assert.ok(
        pagerDutyEvents.has(pagerDutyEventOfAlert(event)),
        `${event.eventId} (${event.status} ${event.dedupKey}) never reached PagerDuty`,
      );
    }
    assert.deepEqual(
      [...pagerduty.alerts.keys()].sort(),
      [...reference]
        .filter(([, alert]) => atLeast(alert.level, 'high'))
        .map(([key]) => key)
        .sort(),
      'one PagerDuty alert per high alert',
    );

    // The webhook: every event at least once, a copy more only for a lost answer; the refused alert quarantined.
    const webhookCopies = count(webhook.received.map((received) => String(received.body.eventId)));
    const refusedEvents = takenBy((event) => event.dedupKey === refusedDedupKey).map(
      (event) => event.eventId,
    );
    assert.ok(refusedEvents.length > 0, 'the refused alert was written');
    for (const event of takenBy(
      (event) => atLeast(event.level, 'low') && event.dedupKey !== refusedDedupKey,
    )) {
      const copies = webhookCopies.get(event.eventId) ?? 0;
      assert.ok(copies >= 1, `${event.eventId} never reached the webhook`);
      assert.ok(
        copies - 1 <= (webhookProxy.lost.get(event.eventId) ?? 0),
        `${event.eventId}: ${copies} webhook posts, ${webhookProxy.lost.get(event.eventId) ?? 0} answers lost`,
      );
    }
    for (const eventId of refusedEvents) assert.equal(webhookCopies.get(eventId), undefined);
    assert.deepEqual(
      [...new Set(quarantine.map((line) => `${line.destination} ${line.code} ${line.recordId}`))].sort(),
      refusedEvents.map((eventId) => `route:webhook ${AlertRoutingCodes.REJECTED} ${eventId}`).sort(),
      'quarantined: the refused alert, for the webhook route only',
    );

    assert.equal(
      await messageCount(scenario.pipeline.sqs, scenario.pipeline.deadLetterQueueUrl),
      0,
      'nothing in the DLQ',
    );
    // Alert ids are the dedup keys' (what Slack messages are matched by).
    for (const event of events) assert.equal(event.alertId, alertIdOf(event.dedupKey));
  });
});
