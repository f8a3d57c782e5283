import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { alertRoute } from '../../../../lambda/core/detections/routing/config';
import { createDetectionFanout } from '../../../../lambda/core/detections/stage/detection-fanout';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';
import { alertsSource } from '../../../../lambda/core/config/alerts-source';
import { alertObject } from '../../../../lambda/core/detections/stage/alert-object';
import { invocationSchedule } from '../../../../lambda/core/forward/object-slots';
import { processMessage, type MessageDependencies } from '../../../../lambda/core/forward/process-message';
import {
  activities,
  MemoryObjects,
  MemoryQuarantine,
  ndjson,
  objectsStartedAtOnce,
  RecordingSink,
  strongdmSource,
} from '../../forward/fakes';
import { alertDocument } from '../routing/fixtures';
import { MemoryAlertWriter, rules } from './support';

describe('the detections fan-out beside a SIEM destination', () => {
  it('lets as many objects run at once as the SIEM destination allows, alert routes and all', async () => {
    const fanout = snsFanout(async () => ({ ok: true, messageId: 'm' }));
    // As the forwarder's handler builds them: the configured destinations, then the fan-out's.
    const { started } = await objectsStartedAtOnce(
      [{ sink: { name: 'splunk' }, maxInFlight: 4 }, ...fanout.destinations],
      6,
    );
    assert.deepEqual(started, [0, 1, 2, 3]);
    fanout.close();
  });
});

describe("an alert route's channel beside a SIEM destination", () => {
  it("does not hold the object's slot: another object reaches the SIEM while the channel waits", async () => {
    // SNS answers only when the test says so: a throttled or slow channel, waiting within the deadline.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    let publishing!: () => void;
    const published = new Promise<void>((resolve) => (publishing = resolve));
    const fanout = snsFanout(async () => {
      publishing();
      await answered;
      return { ok: true, messageId: 'm' };
    });
    const alert = alertObject('sluice', { status: 'opened' }, alertDocument());
    const logKey = 'sdm/logs/activities/2024/02/01/18/50/a.json';
    const splunk = new RecordingSink('splunk');
    // One request in flight to the SIEM: one object runs at a time.
    const destinations = [{ sink: splunk, maxInFlight: 1 }, ...fanout.destinations];
    const deadline = Date.now() + 60_000;
    const deps: MessageDependencies = {
      sources: [strongdmSource, alertsSource('sluice')],
      destinations,
      detections: fanout.hook,
      objects: new MemoryObjects({ [alert.key]: Buffer.from(alert.body), [logKey]: ndjson(activities(2)) }),
      quarantine: new MemoryQuarantine(),
      continuations: { send: async () => {} },
      maxRecordBytes: 1 << 20,
      maxObjectBytes: 1 << 30,
      now: Date.now,
      stopReadingAt: deadline,
      deliveryDeadline: deadline,
      ...invocationSchedule({
        destinations,
        now: Date.now,
        stopReadingAt: deadline,
        deliveryDeadline: deadline,
      }),
      log: { info: () => {}, warn: () => {}, error: () => {} },
    };
    const alertDone = processMessage(notification(alert.key), deps, { receiveCount: 1 });
    await published;
    const logDone = processMessage(notification(logKey), deps, { receiveCount: 1 });
    // The topic answers only after the log object is done, or after a ceiling no healthy run nears.
    let ceiling: ReturnType<typeof setTimeout> | undefined;
    const logForwarded = await Promise.race([
      logDone.then(() => true),
      new Promise<boolean>((resolve) => (ceiling = setTimeout(() => resolve(false), 60_000))),
    ]);
    clearTimeout(ceiling);
    answer();
    await Promise.all([alertDone, logDone]);
    fanout.close();
    assert.equal(logForwarded, true, 'the log object did not wait for the alert topic to answer');
    assert.deepEqual(
      splunk.received.map((record) => record.logType),
      ['sluice-alerts', 'activities', 'activities'],
    );
  });
});

function notification(key: string): string {
  return JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: '2024-02-01T19:00:00Z',
        s3: { bucket: { name: 'acme-logs' }, object: { key, eTag: 'e', versionId: 'v1' } },
      },
    ],
  });
}

/** The fan-out of a `sns` route whose topic answers as `publish` does, beside the test rules. */
function snsFanout(publish: () => Promise<{ ok: true; messageId: string }>) {
  return createDetectionFanout({
    index: new RuleIndex(rules(), [{ name: 'app' }]),
    windows: new MemoryWindowStore(),
    alerts: new MemoryAlertStore(),
    writer: new MemoryAlertWriter(),
    alertsPrefix: 'sluice',
    dedupPeriodMs: 3_600_000,
    latenessMs: 86_400_000,
    routes: [alertRoute.parse({ type: 'sns' })],
    channels: {
      secret: () => ({ get: async () => '', refresh: async () => '' }),
      transport: () => {
        throw new Error('no HTTP route here');
      },
      sns: { publisher: { publish }, topicArn: 'arn:t' },
    },
  });
}
