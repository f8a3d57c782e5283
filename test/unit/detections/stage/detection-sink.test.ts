import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAlertStore, type AlertEntry } from '../../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../../lambda/core/detections/engine';
import { readDetectionRecords } from '../../../../lambda/core/detections/read-records';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { readAlertRecord } from '../../../../lambda/core/detections/routing/alert-record';
import { buildRuleSet, compilePlainRule } from '../../../../lambda/core/detections/sigma/rule-set';
import { DetectionStageCodes } from '../../../../lambda/core/detections/stage/codes';
import { DETECTIONS_STAGE } from '../../../../lambda/core/detections/stage/names';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';
import type { Contribution } from '../../../../lambda/core/detections/windows/store';
import { forwardObject, type ForwardResult } from '../../../../lambda/core/forward/forward-object';
import { continuationBody } from '../../../../lambda/core/notifications/continuation';
import type { ObjectWork } from '../../../../lambda/core/notifications/object-ref';
import { parseMessage } from '../../../../lambda/core/notifications/parse-message';
import { toOutboundRecord } from '../../../../lambda/core/records/outbound';
import { SinkCodes } from '../../../../lambda/core/sinks/codes';
import {
  BUCKET,
  events,
  forwardDeps,
  KEY,
  ndjson,
  objectRef,
  rules,
  source,
  T0,
  world,
  type StageWorld,
} from './support';

const N = 40;

/** What the SIEM would show: per alert, the highest running count written, and every record named. */
function siemView(w: StageWorld) {
  const view = new Map<string, { occurrences: number; records: Set<string>; opened: number }>();
  for (const record of w.writer.records()) {
    const entry = view.get(record.dedupKey) ?? { occurrences: 0, records: new Set<string>(), opened: 0 };
    entry.occurrences = Math.max(entry.occurrences, record.occurrences);
    for (const ref of record.records) entry.records.add(ref.id);
    if (record.status === 'opened') entry.opened += 1;
    view.set(record.dedupKey, entry);
  }
  return view;
}

function occurrences(alerts: MemoryAlertStore): Map<string, number> {
  return new Map([...alerts.snapshot()].map(([key, state]) => [key, state.memberIds.size]));
}

function openingKeys(w: StageWorld): string[] {
  return [...w.writer.objects]
    .filter(([, body]) => (JSON.parse(body) as { status: string }).status === 'opened')
    .map(([key]) => key)
    .sort();
}

/** The work a continuation message carries, read back as the next invocation reads it. */
function continued(result: ForwardResult): ObjectWork {
  assert.equal(result.status, 'incomplete');
  if (result.status !== 'incomplete') throw new Error('complete');
  const parsed = parseMessage(continuationBody(result.work, result.reason));
  if (parsed.kind !== 'objects') throw new Error(`continuation read as ${parsed.kind}`);
  return parsed.work[0];
}

async function uninterrupted() {
  const w = world({ [KEY]: ndjson(events(N)) });
  const result = await forwardObject({ object: objectRef() }, forwardDeps(w));
  assert.equal(result.status, 'complete');
  return w;
}

describe('the detections stage in the forwarder', () => {
  it('writes an alert object per opened or updated alert, and marks each opening notified', async () => {
    const w = await uninterrupted();
    const records = w.writer.records();
    const opened = records.filter((record) => record.status === 'opened');
    // drop_table (one alert this hour) and query_burst for each of the three actors.
    assert.deepEqual(opened.map((record) => record.rule.key).sort(), [
      'drop_table',
      'query_burst',
      'query_burst',
      'query_burst',
    ]);
    assert.ok(
      records.some((record) => record.status === 'updated'),
      'later batches update the counts',
    );
    for (const [key, body] of w.writer.objects) {
      assert.match(key, /^sluice\/sluice-alerts\/2024\/02\/01\/13\/00\/[A-Za-z0-9_-]{22}\.json$/);
      assert.ok(body.endsWith('\n') && body.indexOf('\n') === body.length - 1, 'one NDJSON line');
      const reading = readAlertRecord(JSON.parse(body));
      assert.ok(reading.ok, reading.ok ? '' : reading.problem);
      assert.equal(key.slice(-27, -5), reading.alert.eventId, 'the eventId names the object');
    }
    const alerts = w.alerts as MemoryAlertStore;
    assert.ok([...alerts.snapshot().values()].every((state) => state.notified));
    assert.equal(w.siem.received.length, N, 'the SIEM still gets every record');
  });

  it('finds what `sluice detect` finds: the alerts and counts of DetectionEngine.process over the same records', async () => {
    const w = await uninterrupted();
    const reference = new MemoryAlertStore();
    const engine = new DetectionEngine(new RuleIndex(rules(), [{ name: 'app' }]), {
      windows: new MemoryWindowStore(),
      alerts: reference,
    });
    const body = (async function* () {
      yield ndjson(events(N));
    })();
    const object = { source, bucket: BUCKET, key: KEY, eTag: '', logTypeFromKey: 'events' };
    for await (const chunk of readDetectionRecords(body, {
      ...object,
      eventTime: objectRef().eventTime,
      maxRecordBytes: 1 << 20,
      maxDecompressedBytes: 1 << 30,
    }))
      await engine.process(chunk.records, T0);
    assert.deepEqual(occurrences(w.alerts as MemoryAlertStore), occurrences(reference));
    assert.deepEqual(
      new Map([...siemView(w)].map(([key, view]) => [key, view.occurrences])),
      occurrences(reference),
      'the last object written for each alert carries its final count',
    );
  });

  it("never parses a record again: it reads the value the forwarder's reader parsed", async () => {
    const probe = toOutboundRecord(
      {
        kind: 'record',
        offset: 0,
        length: 2,
        text: '{}',
        bytes: Buffer.from('{}'),
        value: {},
        singleLine: true,
      },
      {
        source: 'app',
        bucket: BUCKET,
        key: KEY,
        eTag: '',
        logTypeFromKey: 'events',
        timestampField: 'timestamp',
        idFieldByLogType: {},
        eventTime: new Date(),
      },
    );
    const prototype = Object.getPrototypeOf(probe) as object;
    const original = Object.getOwnPropertyDescriptor(prototype, 'value')!;
    let reads = 0;
    Object.defineProperty(prototype, 'value', {
      configurable: true,
      get(this: unknown) {
        reads += 1;
        return original.get!.call(this);
      },
    });
    try {
      const w = await uninterrupted();
      assert.ok(w.writer.objects.size > 0);
    } finally {
      Object.defineProperty(prototype, 'value', original);
    }
    assert.equal(reads, 0);
  });

  it('writes nothing new and opens nothing twice when the same object is delivered again', async () => {
    const w = await uninterrupted();
    const before = new Map(w.writer.objects);
    const created = w.writer.creates.length;
    w.siem.received.length = 0;
    const again = await forwardObject({ object: objectRef() }, forwardDeps(w));
    assert.equal(again.status, 'complete');
    assert.deepEqual(w.writer.objects, before, 'no object added or changed');
    assert.deepEqual(
      w.writer.creates.slice(created).filter((create) => create.written),
      [],
      'every alert the redelivery named was written before',
    );
    assert.ok([...siemView(w).values()].every((view) => view.opened === 1));
  });

  it('gives the same alerts and counts whatever offset a continuation cut the object at', async () => {
    const reference = await uninterrupted();
    const expected = siemView(reference);
    for (let cut = 0; cut <= N; cut += 1) {
      const w = world({ [KEY]: ndjson(events(N)) });
      let calls = 0;
      // Odd cuts also leave the SIEM behind the stage (it fails from the cut's half on): the
      // continuation then resumes the stage at its own offset, past records it already counted.
      if (cut % 2 === 1)
        w.siem.verdict = (record) => (Number(record.id.slice(3)) >= cut / 2 ? 'fail' : 'deliver');
      const first = await forwardObject(
        { object: objectRef() },
        forwardDeps(w, { now: () => calls++, stopReadingAt: cut }),
      );
      let delivered = first.summary.destinations[DETECTIONS_STAGE]?.delivered ?? 0;
      if (cut < N) {
        w.siem.verdict = () => 'deliver';
        const second = await forwardObject(continued(first), forwardDeps(w));
        assert.equal(second.status, 'complete', `cut at ${cut}`);
        delivered += second.summary.destinations[DETECTIONS_STAGE]?.delivered ?? 0;
      }
      assert.equal(delivered, N, `cut at ${cut}: the stage ran every record exactly once`);
      assert.deepEqual(openingKeys(w), openingKeys(reference), `cut at ${cut}: the same openings`);
      assert.deepEqual(siemView(w), expected, `cut at ${cut}: the same final counts and records`);
      assert.deepEqual(
        occurrences(w.alerts as MemoryAlertStore),
        occurrences(reference.alerts as MemoryAlertStore),
      );
      assert.equal(new Set(w.siem.received.map((record) => record.id)).size, N);
    }
  });

  it('a failing store fails only the stage: the SIEM finishes, and the continuation resumes only the stage', async () => {
    const windows = new MemoryWindowStore();
    let down = true;
    const add = windows.add.bind(windows);
    windows.add = async (partition: string, contributions: readonly Contribution[], expiresAtMs: number) => {
      if (down) throw new Error('ProvisionedThroughputExceededException: rate exceeded');
      return add(partition, contributions, expiresAtMs);
    };
    const w = world({ [KEY]: ndjson(events(N)) }, { windows });
    const first = await forwardObject({ object: objectRef() }, forwardDeps(w));
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    assert.equal(first.reason, 'destination-failed');
    assert.deepEqual(first.work.progress, { siem: 'done', [DETECTIONS_STAGE]: 0 });
    assert.equal(first.failures.length, 1);
    assert.equal(first.failures[0].destination, DETECTIONS_STAGE);
    assert.equal(first.failures[0].code, DetectionStageCodes.FAILED);
    assert.match(first.failures[0].message, /rate exceeded/);
    assert.equal(w.siem.received.length, N);

    down = false;
    const second = await forwardObject(continued(first), forwardDeps(w));
    assert.equal(second.status, 'complete');
    assert.equal(w.siem.received.length, N, 'the SIEM is sent nothing again');
    assert.deepEqual(siemView(w), siemView(await uninterrupted()));
  });

  it('after a crash between writing an opening and marking it notified, writes the same key again (412) and notifies', async () => {
    const alerts = new MemoryAlertStore();
    const markNotified = alerts.markNotified.bind(alerts);
    let crashes = 1;
    alerts.markNotified = async (dedupKey: string) => {
      if (crashes > 0) {
        crashes -= 1;
        throw new Error('connection reset');
      }
      return markNotified(dedupKey);
    };
    // One record: one opening.
    const w = world({ [KEY]: ndjson(events(1)) }, { alerts });
    const first = await forwardObject({ object: objectRef() }, forwardDeps(w));
    assert.equal(first.status, 'incomplete');
    assert.equal(w.writer.objects.size, 1);
    const [key] = w.writer.objects.keys();
    assert.equal([...alerts.snapshot().values()][0].notified, false);

    const second = await forwardObject(continued(first), forwardDeps(w));
    assert.equal(second.status, 'complete');
    assert.deepEqual(w.writer.creates, [
      { key, written: true },
      { key, written: false },
    ]);
    assert.equal([...alerts.snapshot().values()][0].notified, true);
  });

  it('brings an opening left unmarked up to date when the next object adds records to it', async () => {
    const alerts = new MemoryAlertStore();
    const markNotified = alerts.markNotified.bind(alerts);
    let crashes = 1;
    alerts.markNotified = async (dedupKey: string) => {
      if (crashes-- > 0) throw new Error('connection reset');
      return markNotified(dedupKey);
    };
    const other = 'app/events/2024/02/01/13/00/b.json';
    // Two objects holding different DROP TABLEs of the same hour: one drop_table alert.
    const drops = (from: number) => events(1, from);
    const w = world({ [KEY]: ndjson(drops(0)), [other]: ndjson([...drops(7), ...drops(21)]) }, { alerts });
    const first = await forwardObject({ object: objectRef() }, forwardDeps(w));
    assert.equal(first.status, 'incomplete', 'the opening was written but not marked');
    const second = await forwardObject({ object: objectRef(other) }, forwardDeps(w));
    assert.equal(second.status, 'complete');
    const records = w.writer.records().filter((record) => record.rule.key === 'drop_table');
    assert.deepEqual(
      records.map((record) => [record.status, record.occurrences]),
      [
        ['opened', 1],
        ['updated', 3],
      ],
    );
    // The first object's continuation adds nothing and says nothing.
    const third = await forwardObject(continued(first), forwardDeps(w));
    assert.equal(third.status, 'complete');
    assert.equal(w.writer.records().filter((record) => record.rule.key === 'drop_table').length, 2);
  });

  it('fails a batch it has no time for with the deadline code, without running it', async () => {
    const w = world({ [KEY]: ndjson(events(N)) });
    const registered: AlertEntry[] = [];
    const register = w.alerts.register.bind(w.alerts);
    w.alerts.register = async (dedupKey, entry, expiresAtMs) => {
      registered.push(entry);
      return register(dedupKey, entry, expiresAtMs);
    };
    // The stage's clock is 2 hours after T0: a deadline at T0 has passed.
    const result = await forwardObject({ object: objectRef() }, forwardDeps(w, { deliveryDeadline: T0 }));
    assert.equal(result.status, 'incomplete');
    if (result.status !== 'incomplete') return;
    const failure = result.failures.find((entry) => entry.destination === DETECTIONS_STAGE);
    assert.equal(failure?.code, SinkCodes.DEADLINE);
    assert.equal(result.work.progress[DETECTIONS_STAGE], 0);
    assert.deepEqual(registered, []);
    assert.equal(w.writer.creates.length, 0);
  });

  it('fails the batch with DETECTIONS_FAILED when an alert object cannot be written, and writes it on the continuation', async () => {
    const w = world({ [KEY]: ndjson(events(N)) });
    w.writer.failure = new Error('AccessDenied: not authorized to perform s3:PutObject');
    const first = await forwardObject({ object: objectRef() }, forwardDeps(w));
    assert.equal(first.status, 'incomplete');
    if (first.status !== 'incomplete') return;
    const failure = first.failures.find((entry) => entry.destination === DETECTIONS_STAGE);
    assert.equal(failure?.code, DetectionStageCodes.FAILED);
    assert.match(failure!.message, /AccessDenied/);
    assert.match(failure!.message, /s3:\/\/acme-logs\/app\/events\//);
    assert.equal(first.work.progress.siem, 'done');

    w.writer.failure = undefined;
    const second = await forwardObject(continued(first), forwardDeps(w));
    assert.equal(second.status, 'complete');
    assert.deepEqual(siemView(w), siemView(await uninterrupted()));
  });

  it('refuses records the forwarder never showed it, rather than read them as matching nothing', async () => {
    const w = world({ [KEY]: ndjson(events(N)) });
    const result = await forwardObject({ object: objectRef() }, forwardDeps(w, { detections: undefined }));
    assert.equal(result.status, 'incomplete');
    if (result.status !== 'incomplete') return;
    assert.equal(
      result.failures.find((entry) => entry.destination === DETECTIONS_STAGE)?.code,
      DetectionStageCodes.NOT_WIRED,
    );
    assert.equal(result.work.progress.siem, 'done');
  });

  it('never runs rules on alert records: an alert about an alert would come back forever', async () => {
    const everything = buildRuleSet([
      compilePlainRule('any.yml', {
        title: 'any alert',
        name: 'any_alert',
        logsource: { product: 'sluice', service: 'sluice-alerts' },
        detection: { selection: { 'status|exists': true }, condition: 'selection' },
      }),
    ]);
    const producer = await uninterrupted();
    const [key, body] = [...producer.writer.objects][0];
    const w = world({ [key]: Buffer.from(body) }, { ruleSet: everything });
    const result = await forwardObject(
      { object: objectRef(key) },
      forwardDeps(w, {
        source: {
          name: 'sluice',
          format: 'ndjson',
          timestampField: 'detectedAt',
          idFieldByLogType: { 'sluice-alerts': 'eventId' },
        },
        logTypeFromKey: 'sluice-alerts',
      }),
    );
    assert.equal(result.status, 'complete');
    assert.equal(w.writer.objects.size, 0);
  });
});
