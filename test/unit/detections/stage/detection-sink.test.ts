import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAlertStore, type AlertEntry } from '../../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../../lambda/core/detections/engine';
import { readDetectionRecords } from '../../../../lambda/core/detections/read-records';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { readAlertRecord } from '../../../../lambda/core/detections/routing/alert-record';
import { buildRuleSet, compilePlainRule } from '../../../../lambda/core/detections/sigma/rule-set';
import { alertObjectName } from '../../../../lambda/core/detections/stage/alert-object';
import { DetectionStageCodes } from '../../../../lambda/core/detections/stage/codes';
import { DETECTIONS_STAGE } from '../../../../lambda/core/detections/stage/names';
import { stepAtMost } from '../../../../lambda/core/detections/stage/update-steps';
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

/**
 * Updates are written at steps of the running count (2, 5, 10, 20, …): the highest count the SIEM
 * saw for an alert is at most its final count and at least the last step the count reached.
 */
function assertSiemWithinAStep(w: StageWorld, finalCounts: ReadonlyMap<string, number>, message: string) {
  const view = siemView(w);
  assert.deepEqual([...view.keys()].sort(), [...finalCounts.keys()].sort(), `${message}: the same alerts`);
  for (const [dedupKey, final] of finalCounts) {
    const seen = view.get(dedupKey)!.occurrences;
    assert.ok(
      seen <= final && seen >= stepAtMost(final),
      `${message}: ${dedupKey} written up to ${seen} of ${final} (last step ${stepAtMost(final)})`,
    );
  }
}

function occurrences(alerts: MemoryAlertStore): Map<string, number> {
  return new Map([...alerts.snapshot()].map(([key, state]) => [key, state.memberIds.size]));
}

/** The same alerts, counts and openings as `reference`, and counts written within a step of them. */
function assertSameAlerts(w: StageWorld, reference: StageWorld): void {
  const finalCounts = occurrences(reference.alerts as MemoryAlertStore);
  assert.deepEqual(occurrences(w.alerts as MemoryAlertStore), finalCounts);
  assert.deepEqual(openingKeys(w), openingKeys(reference));
  assertSiemWithinAStep(w, finalCounts, 'after the continuation');
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

/** `count` queries by one actor, 5 s apart from 13:00:00, the first numbered `from`. */
function burst(from: number, count: number): object[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `q-${from + i}`,
    timestamp: new Date(T0 + (from + i) * 5_000).toISOString(),
    kind: 'query',
    actor: 'a0',
    query: 'select 1',
  }));
}

/** Keys of objects in KEY's minute, by file name. */
function keysOf(...names: string[]): string[] {
  return names.map((name) => `app/events/2024/02/01/13/00/${name}`);
}

/** Forwards the object at `key`, which must complete. */
async function forwardWhole(w: StageWorld, key: string): Promise<void> {
  assert.equal((await forwardObject({ object: objectRef(key) }, forwardDeps(w))).status, 'complete');
}

async function uninterrupted() {
  const w = world({ [KEY]: ndjson(events(N)) });
  const result = await forwardObject({ object: objectRef() }, forwardDeps(w));
  assert.equal(result.status, 'complete');
  return w;
}

describe('the detections stage in the forwarder', () => {
  it('writes an alert object per opened alert and per step its count reached, and marks each opening notified', async () => {
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
    assertSiemWithinAStep(w, occurrences(reference), 'the objects written');
  });

  it('writes an update only when a batch takes the running count to the next step of 2, 5, 10, 20, …, named by that step', async () => {
    // 30 queries by one actor, 5 s apart, in batches of 4 one after another: the burst opens at 4
    // and grows by 4.
    const w = world({ [KEY]: ndjson(burst(0, 30)) }, { stageInFlight: 1 });
    const result = await forwardObject({ object: objectRef() }, forwardDeps(w));
    assert.equal(result.status, 'complete');
    const written = w.writer.records().map((record) => [record.status, record.occurrences]);
    // 8 passed 5, 12 passed 10, 20 reached 20; 16, 24 and 28 reached no new step.
    assert.deepEqual(written, [
      ['opened', 4],
      ['updated', 8],
      ['updated', 12],
      ['updated', 20],
    ]);
    const dedupKey = w.writer.records()[0].dedupKey;
    assert.deepEqual(
      w.writer.records().map((record) => record.eventId),
      [
        alertObjectName({ status: 'opened' }, dedupKey),
        alertObjectName({ status: 'updated', step: 5 }, dedupKey),
        alertObjectName({ status: 'updated', step: 10 }, dedupKey),
        alertObjectName({ status: 'updated', step: 20 }, dedupKey),
      ],
    );
    assert.equal(occurrences(w.alerts as MemoryAlertStore).get(dedupKey), 30, 'every record is counted');
  });

  it('writes a step once when two invocations both report reaching it (a store answering after both registered)', async () => {
    // DynamoDB's alert store answers the count as it stands after the register: when two
    // invocations register the same alert at once, both may see the other's records.
    const alerts = new MemoryAlertStore();
    const register = alerts.register.bind(alerts);
    let concurrentRecords = 0;
    alerts.register = async (dedupKey: string, entry: AlertEntry, expiresAtMs: number) => {
      const registration = await register(dedupKey, entry, expiresAtMs);
      return { ...registration, occurrences: registration.occurrences + concurrentRecords };
    };
    const [opening, first, second] = keysOf('x.json', 'y.json', 'z.json');
    const w = world(
      { [opening]: ndjson(burst(0, 5)), [first]: ndjson(burst(5, 4)), [second]: ndjson(burst(9, 4)) },
      { alerts, maxBatchRecords: 5, stageInFlight: 1 },
    );
    await forwardWhole(w, opening);
    // The first is answered 13 (its own 4 and the second's 4, 5 to 9 in fact), the second 13 (9 to 13).
    concurrentRecords = 4;
    await forwardWhole(w, first);
    concurrentRecords = 0;
    await forwardWhole(w, second);

    const dedupKey = w.writer.records()[0].dedupKey;
    const step10 = alertObjectName({ status: 'updated', step: 10 }, dedupKey);
    assert.deepEqual(
      w.writer.records().map((record) => [record.status, record.occurrences, record.eventId]),
      [
        ['opened', 5, alertObjectName({ status: 'opened' }, dedupKey)],
        ['updated', 13, step10],
      ],
    );
    assert.deepEqual(
      w.writer.creates.filter((create) => create.key.endsWith(`/${step10}.json`)).map((c) => c.written),
      [true],
      'the second invocation found the step recorded written',
    );
  });

  it('writes the same object once when two invocations find a step due before either recorded it', async () => {
    const alerts = new MemoryAlertStore();
    const markStepWritten = alerts.markStepWritten.bind(alerts);
    let marksLost = 0;
    alerts.markStepWritten = async (dedupKey: string, step: number) => {
      if (marksLost > 0) marksLost -= 1;
      else await markStepWritten(dedupKey, step);
    };
    const [opening, first, second] = keysOf('x.json', 'y.json', 'z.json');
    const w = world(
      { [opening]: ndjson(burst(0, 5)), [first]: ndjson(burst(5, 6)), [second]: ndjson(burst(11, 2)) },
      { alerts, maxBatchRecords: 6, stageInFlight: 1 },
    );
    await forwardWhole(w, opening);
    // The first reaches 10 and writes it; its mark comes after the second's registration.
    marksLost = 1;
    await forwardWhole(w, first);
    await forwardWhole(w, second);

    const dedupKey = w.writer.records()[0].dedupKey;
    const step10 = alertObjectName({ status: 'updated', step: 10 }, dedupKey);
    assert.deepEqual(
      w.writer.records().map((record) => [record.status, record.occurrences]),
      [
        ['opened', 5],
        ['updated', 11],
      ],
    );
    assert.deepEqual(
      w.writer.creates.filter((create) => create.key.endsWith(`/${step10}.json`)).map((c) => c.written),
      [true, false],
      'the second named the same object and wrote nothing',
    );
    assert.equal((await alerts.register(dedupKey, { trigger: 'x', members: [] }, T0)).stepWritten, 10);
  });

  it('writes a step whose object a failure kept from being written on the next registration, even one that adds nothing', async () => {
    const [opening, growth] = keysOf('x.json', 'y.json');
    const w = world({ [opening]: ndjson(burst(0, 5)), [growth]: ndjson(burst(5, 6)) }, { stageInFlight: 1 });
    await forwardWhole(w, opening);
    const dedupKey = w.writer.records()[0].dedupKey;
    const step10 = alertObjectName({ status: 'updated', step: 10 }, dedupKey);
    // The registration applies (the count is 11), then the update's write fails (a timeout, a crash).
    const create = w.writer.create.bind(w.writer);
    let failures = 1;
    w.writer.create = async (key: string, body: string) => {
      if (key.endsWith(`/${step10}.json`) && failures-- > 0) throw new Error('the invocation timed out');
      return create(key, body);
    };
    const first = await forwardObject({ object: objectRef(growth) }, forwardDeps(w));
    assert.equal(first.status, 'incomplete');
    const written = () => w.writer.records().map((record) => [record.status, record.occurrences]);
    // Opened at 4 (batches of 4), written again at 5.
    assert.deepEqual(written(), [
      ['opened', 4],
      ['updated', 5],
    ]);
    assert.equal(occurrences(w.alerts as MemoryAlertStore).get(dedupKey), 11, 'registered');

    // The continuation reads the same records: they add nothing, and the step is due all the same.
    const second = await forwardObject(continued(first), forwardDeps(w));
    assert.equal(second.status, 'complete');
    assert.deepEqual(written(), [
      ['opened', 4],
      ['updated', 5],
      ['updated', 11],
    ]);
    assert.equal(w.writer.records()[2].eventId, step10);
  });

  it("parses a record again only to write it as a sample: it reads the value the forwarder's reader parsed", async () => {
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
    let samples = 0;
    let bodies = 0;
    try {
      const w = world({ [KEY]: ndjson(events(N)) });
      const create = w.writer.create.bind(w.writer);
      w.writer.create = async (key: string, body: string) => {
        bodies += 1;
        samples += (JSON.parse(body) as { samples: unknown[] }).samples.length;
        return create(key, body);
      };
      assert.equal((await forwardObject({ object: objectRef() }, forwardDeps(w))).status, 'complete');
      assert.ok(bodies > 0 && samples <= 5 * bodies);
    } finally {
      Object.defineProperty(prototype, 'value', original);
    }
    assert.equal(reads, samples, 'one parse per sample in an alert object, none for matching or counting');
  });

  it('writes the records as read as samples, and groups by their values', async () => {
    const w = await uninterrupted();
    const read = new Map(events(N).map((event) => [(event as { id: string }).id, event]));
    const records = w.writer.records();
    assert.ok(records.every((record) => record.samples.length > 0));
    for (const record of records) {
      for (const sample of record.samples) assert.deepEqual(sample, read.get(String(sample.id)));
      if (record.rule.key === 'query_burst') {
        assert.deepEqual(Object.keys(record.group), ['actor']);
        assert.equal(
          record.dedupKey,
          `query_burst|${JSON.stringify([record.group.actor])}|${record.period.start}`,
        );
        assert.ok(record.samples.every((sample) => sample.actor === record.group.actor));
      }
    }
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

  it('counts the objects read at once together: one store round trip per group, not one per object, and the same alerts', async () => {
    const keys = [0, 1, 2].map((n) => KEY.replace('a.json', `part-${n}.json`));
    const files = Object.fromEntries(keys.map((key, n) => [key, ndjson(events(12, n * 12))]));
    const adds: string[] = [];
    const windows = new MemoryWindowStore();
    const counted = world(files, {
      // One batch per object: each object joins the wave once, at its end; the wave runs once all three did.
      maxBatchRecords: 100,
      windows: {
        add: (partition, contributions, expiresAtMs) => {
          adds.push(partition);
          return windows.add(partition, contributions, expiresAtMs);
        },
        range: (partition, fromMs, toMs) => windows.range(partition, fromMs, toMs),
      },
    });
    const results = await Promise.all(
      keys.map((key) => forwardObject({ object: objectRef(key) }, forwardDeps(counted))),
    );
    assert.deepEqual(
      results.map((result) => result.status),
      ['complete', 'complete', 'complete'],
    );
    assert.deepEqual(adds.sort(), [
      'query_burst\u0000["a0"]',
      'query_burst\u0000["a1"]',
      'query_burst\u0000["a2"]',
    ]);

    const one = world({ [KEY]: ndjson(events(36)) }, { maxBatchRecords: 100 });
    assert.equal((await forwardObject({ object: objectRef() }, forwardDeps(one))).status, 'complete');
    assert.deepEqual(
      occurrences(counted.alerts as MemoryAlertStore),
      occurrences(one.alerts as MemoryAlertStore),
    );
    assert.deepEqual(
      counted.writer
        .records()
        .map((record) => [record.dedupKey, record.occurrences])
        .sort(),
      one.writer
        .records()
        .map((record) => [record.dedupKey, record.occurrences])
        .sort(),
    );
  });

  it('gives the same alerts and counts whatever offset a continuation cut the object at', async () => {
    const reference = await uninterrupted();
    const finalCounts = occurrences(reference.alerts as MemoryAlertStore);
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
      assert.deepEqual(
        occurrences(w.alerts as MemoryAlertStore),
        finalCounts,
        `cut at ${cut}: the same counts`,
      );
      // Where batches start decides which record reaches a step, not which steps are reached.
      assertSiemWithinAStep(w, finalCounts, `cut at ${cut}`);
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
    assertSameAlerts(w, await uninterrupted());
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
    assertSameAlerts(w, await uninterrupted());
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
