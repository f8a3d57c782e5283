import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryAlertStore } from '../../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { DetectionSink } from '../../../lambda/core/detections/stage/detection-sink';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import type { WindowStore } from '../../../lambda/core/detections/windows/store';
import { invocationSchedule } from '../../../lambda/core/forward/object-slots';
import { processMessage, type MessageDependencies } from '../../../lambda/core/forward/process-message';
import { createSink } from '../../../lambda/core/sinks/create-sink';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import { waitFor } from '../../support/wait-for';
import { MemoryObjects, MemoryQuarantine, ndjson } from '../../unit/forward/fakes';
import { BUCKET, events, MemoryAlertWriter, rules, source } from '../../unit/detections/stage/support';
import { fakeSecret } from '../../unit/sinks/fixtures';
import { hecConfig } from '../sinks/helpers';

const keyOf = (n: number) => `app/events/2024/02/01/13/00/part-${n}.json`;
const RECORDS = 3;

function notification(key: string): string {
  return JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: '2024-02-01T14:00:00Z',
        s3: { bucket: { name: BUCKET }, object: { key, eTag: 'e', versionId: 'v1' } },
      },
    ],
  });
}

/**
 * A Splunk HEC answering 503 while two objects of an invocation run one at a time (HEC's one
 * request in flight): the first has read everything and joined the detections wave, but keeps its
 * slot while the sink retries its batch; the second waits for that slot. The wave must run without
 * waiting for HEC: its ceiling is an hour here, so only the holders' reports can run it.
 */
describe('detections waves beside a failing Splunk HEC', () => {
  let receiver: HecReceiver;
  before(async () => {
    receiver = await startHecReceiver();
  });
  after(() => receiver.close());

  it('runs the wave while HEC answers 503, and delivers everything once HEC recovers', async () => {
    receiver.injectFaults(...Array.from({ length: 1_000 }, () => 'busy' as const));
    let recover!: () => void;
    const recovered = new Promise<void>((resolve) => (recover = resolve));
    // The sink's backoff ends when HEC has recovered: no clock decides what this test sees.
    const hec = createSink(hecConfig(receiver.url, { maxConcurrency: 1 }), {
      secret: () => fakeSecret('test-hec-token'),
      sleep: () => recovered,
      random: () => 0.5,
    });
    const stored = new MemoryWindowStore();
    const adds: string[] = [];
    const windows: WindowStore = {
      add: (partition, contributions, expiresAtMs) => {
        adds.push(partition);
        return stored.add(partition, contributions, expiresAtMs);
      },
      range: (partition, fromMs, toMs) => stored.range(partition, fromMs, toMs),
    };
    const stage = new DetectionSink({
      index: new RuleIndex(rules(), [{ name: 'app' }]),
      windows,
      alerts: new MemoryAlertStore(),
      writer: new MemoryAlertWriter(),
      alertsPrefix: 'sluice',
      dedupPeriodMs: 3_600_000,
      latenessMs: 10 * 365 * 86_400_000,
      waves: { ceilingMs: 3_600_000 },
    });
    // As createDetectionFanout wires the stage.
    const destinations = [
      { sink: hec, maxInFlight: 1 },
      { sink: stage, maxInFlight: 2, pacesObjects: false, holdsSlot: false },
    ];
    const deadline = Date.now() + 3_600_000;
    const continuations: string[] = [];
    const objects = new MemoryObjects(
      Object.fromEntries([0, 1].map((n) => [keyOf(n), ndjson(events(RECORDS, n * RECORDS))])),
    );
    const deps: MessageDependencies = {
      sources: [{ ...source, prefix: 'app' }],
      destinations,
      detections: stage,
      objects,
      quarantine: new MemoryQuarantine(),
      continuations: { send: async (bodies) => void continuations.push(...bodies) },
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
    try {
      const run = Promise.all(
        [0, 1].map((n) => processMessage(notification(keyOf(n)), deps, { receiveCount: 1 })),
      );
      await waitFor(() => adds.length > 0, 60_000, 'the wave to run while HEC answers 503');
      assert.ok((receiver.counters.byStatus[503] ?? 0) >= 1, 'HEC refused the batch');
      assert.equal(receiver.events.length, 0, 'nothing indexed yet');
      receiver.clear();
      recover();
      await run;
      assert.equal(receiver.events.length, 2 * RECORDS);
      assert.deepEqual(continuations, []);
    } finally {
      recover();
      hec.close?.();
    }
  });
});
