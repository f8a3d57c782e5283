import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { createDetectionFanout } from '../../../../lambda/core/detections/stage/detection-fanout';
import { DETECTIONS_STAGE } from '../../../../lambda/core/detections/stage/names';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';
import type { WindowStore } from '../../../../lambda/core/detections/windows/store';
import { invocationSchedule } from '../../../../lambda/core/forward/object-slots';
import { processMessage, type MessageDependencies } from '../../../../lambda/core/forward/process-message';
import { parseMessage } from '../../../../lambda/core/notifications/parse-message';
import type { OutboundRecord } from '../../../../lambda/core/records/types';
import type { BatchOutcome, DeliveryContext } from '../../../../lambda/core/sinks/types';
import { MemoryObjects, MemoryQuarantine, ndjson, RecordingSink } from '../../forward/fakes';
import { BUCKET, events, MemoryAlertWriter, rules, source } from './support';

const OBJECTS = 10;
const RECORDS = 12;
const keyOf = (n: number) => `app/events/2024/02/01/13/00/part-${n}.json`;
/** The three actors' `query_burst` windows (support.ts's records). */
const GROUPS = ['query_burst\u0000["a0"]', 'query_burst\u0000["a1"]', 'query_burst\u0000["a2"]'];

/**
 * An invocation as the handler runs it: `OBJECTS` notifications at once, a SIEM whose 4 requests in
 * flight let 4 objects run at a time, and the detections fan-out as the forwarder builds it. Each
 * object is one stage batch. Every window store `add` is recorded: one per group and wave.
 */
function invocation(
  options: {
    releasedBytes?: number;
    failFirstAdd?: boolean;
    objects?: number;
    records?: number;
    /** Default: a RecordingSink answering at once, 5 records a batch. */
    siem?: RecordingSink;
    /** The SIEM's requests in flight, which set how many objects run at once. Default: 4. */
    siemInFlight?: number;
  } = {},
) {
  const count = options.objects ?? OBJECTS;
  const records = options.records ?? RECORDS;
  const files = Object.fromEntries(
    Array.from({ length: count }, (_, n) => [keyOf(n), ndjson(events(records, n * records))]),
  );
  const objects = new MemoryObjects(files);
  objects.chunkSize = 1 << 20;
  const stored = new MemoryWindowStore();
  const adds: string[] = [];
  let failing = options.failFirstAdd === true;
  const windows: WindowStore = {
    add: (partition, contributions, expiresAtMs) => {
      adds.push(partition);
      if (failing) {
        failing = false;
        return Promise.reject(new Error('table unavailable'));
      }
      return stored.add(partition, contributions, expiresAtMs);
    },
    range: (partition, fromMs, toMs) => stored.range(partition, fromMs, toMs),
  };
  const alerts = new MemoryAlertStore();
  const fanout = createDetectionFanout({
    index: new RuleIndex(rules(), [{ name: 'app' }]),
    windows,
    alerts,
    writer: new MemoryAlertWriter(),
    alertsPrefix: 'sluice',
    dedupPeriodMs: 3_600_000,
    // The records are of 2024: every one joins its window.
    latenessMs: 10 * 365 * 86_400_000,
    routes: [],
    channels: {
      secret: () => ({ get: async () => '', refresh: async () => '' }),
      transport: () => {
        throw new Error('no routes here');
      },
    },
    releasedBytes: options.releasedBytes,
  });
  const siem = options.siem ?? new RecordingSink('siem', 5);
  const destinations = [{ sink: siem, maxInFlight: options.siemInFlight ?? 4 }, ...fanout.destinations];
  const continuations: string[] = [];
  const deadline = Date.now() + 3_600_000;
  const deps: MessageDependencies = {
    sources: [{ ...source, prefix: 'app' }],
    destinations,
    detections: fanout.hook,
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
  const run = () =>
    Promise.all(
      Array.from({ length: count }, (_, n) =>
        processMessage(notification(keyOf(n)), deps, { receiveCount: 1 }),
      ),
    );
  return { run, adds, alerts, siem, continuations, close: () => fanout.close() };
}

/**
 * Waits for `work` in turns of the event loop, not on a clock: with setTimeout mocked, work that
 * waited on a timer would never end. The ceiling is far above the turns these runs take.
 */
async function withoutTimers<T>(work: Promise<T>): Promise<T> {
  let done = false;
  void work.then(
    () => (done = true),
    () => (done = true),
  );
  for (let turn = 0; turn < 100_000 && !done; turn += 1)
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, true, 'the work waited on a timer');
  return work;
}

/** Waits in turns of the event loop, not on a clock, until `condition` holds; fails past a ceiling far above what it takes. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 100_000 && !condition(); turn += 1)
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(condition(), true, what);
}

/**
 * A SIEM that leaves the requests of some objects unanswered until the test lets it answer: failing
 * (it answered 503 and retries after a backoff, as the delivery loop reports it) or only slow.
 */
class HeldSiem extends RecordingSink {
  /** Requests left unanswered so far. */
  held = 0;
  private answer!: () => void;
  private readonly answering = new Promise<void>((resolve) => (this.answer = resolve));

  constructor(
    private readonly heldKeys: readonly string[],
    private readonly failing = true,
  ) {
    super('siem', 5);
  }

  override async deliver(batch: readonly OutboundRecord[], context?: DeliveryContext): Promise<BatchOutcome> {
    if (this.heldKeys.includes(batch[0].key)) {
      this.held += 1;
      if (this.failing) context?.observer?.retry(this.name, { reason: 'HEC_BUSY', delayMs: 60_000 });
      await this.answering;
    }
    return super.deliver(batch);
  }

  release(): void {
    this.answer();
  }
}

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

describe("the detections stage's waves in an invocation", () => {
  it('counts the batch of ten objects, run four at a time, in one wave, on no clock', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const w = invocation();
    await withoutTimers(w.run());
    w.close();
    // Objects 5 to 10 started as the first ones gave up their slots, their batches waiting in the wave.
    assert.deepEqual(w.adds.sort(), GROUPS, 'one store write per group: one wave');
    assert.equal(w.siem.received.length, OBJECTS * RECORDS);
    assert.deepEqual(w.continuations, []);
    assert.deepEqual(
      [...w.alerts.snapshot().values()].map((state) => state.memberIds.size).sort((a, b) => a - b),
      [14, 32, 32, 32],
      'the 14 dropped tables, and each actor’s 32 queries (of 120 records, 24 are logins)',
    );
  });

  it("runs a lone object's batches at once, one wave each, on no clock", async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // 2,500 records: three stage batches (1,000 records each), each its own wave.
    const w = invocation({ objects: 1, records: 2_500 });
    await withoutTimers(w.run());
    w.close();
    assert.equal(w.siem.received.length, 2_500);
    assert.deepEqual(w.continuations, []);
    for (const group of GROUPS)
      assert.equal(w.adds.filter((partition) => partition === group).length, 3, `${group}: three waves`);
  });

  it('does not deadlock when the memory budget keeps every object in its slot until its wave ran', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // One byte: no object may give up its slot while its batch waits, so the objects waiting for a
    // slot wait on the wave, and the wave runs on the four running ones.
    const w = invocation({ releasedBytes: 1 });
    await withoutTimers(w.run());
    w.close();
    assert.equal(w.siem.received.length, OBJECTS * RECORDS);
    assert.deepEqual(w.continuations, []);
    assert.ok(w.adds.length > GROUPS.length, `several waves: ${w.adds.length} writes`);
  });

  it('fails the batch of every object in a failed wave; each goes on from its own progress', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const w = invocation({ failFirstAdd: true });
    await withoutTimers(w.run());
    w.close();
    assert.equal(w.continuations.length, OBJECTS, 'every object of the wave continues');
    for (const body of w.continuations) {
      const parsed = parseMessage(body);
      assert.equal(parsed.kind, 'objects');
      if (parsed.kind !== 'objects') continue;
      assert.deepEqual(parsed.work[0].progress, { siem: 'done', [DETECTIONS_STAGE]: 0 });
    }
  });

  it('runs the wave while an object reads nothing, waiting on its failing SIEM', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // Object 1's SIEM requests fail and are retried until the test lets them through: its 2
    // requests in flight fill its share, and it waits before its 15th record, long before its stage
    // batch (1,000 records). Object 0's batch must not wait for it: with timers mocked, not even
    // for the wave's ceiling.
    const siem = new HeldSiem([keyOf(1)]);
    const w = invocation({ objects: 2, records: 30, siem });
    const done = w.run();
    await until(() => w.adds.length > 0, "object 0's wave ran while object 1 waits on its failing SIEM");
    assert.deepEqual(w.adds.sort(), GROUPS, "one wave: object 0's batch");
    assert.equal(siem.held, 2, "object 1's requests are still unanswered");
    siem.release();
    await withoutTimers(done);
    w.close();
    assert.equal(w.siem.received.length, 2 * 30);
    assert.deepEqual(w.continuations, []);
  });

  it('runs the wave while the objects waiting for a slot wait on objects that hold theirs for a failing SIEM', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // Two slots. Objects 0 and 1 have read everything and joined the wave, but keep their slots
    // until the SIEM, which retries, answers (a SIEM holds the slot); object 2 waits for one. The
    // wave must not wait for object 2, which can start only once the SIEM answers.
    const siem = new HeldSiem([keyOf(0), keyOf(1)]);
    const w = invocation({ objects: 3, records: 3, siem, siemInFlight: 2 });
    const done = w.run();
    await until(() => w.adds.length > 0, 'the wave of objects 0 and 1 ran while object 2 waits for a slot');
    assert.equal(siem.held, 2);
    siem.release();
    await withoutTimers(done);
    w.close();
    assert.equal(w.siem.received.length, 3 * 3);
    assert.deepEqual(w.continuations, []);
  });

  it('waits for the objects a slow SIEM paces as long as it does not fail: the batch stays one wave', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // The same two slots, the SIEM only slow: object 2 starts once it answers, and joins the wave.
    const siem = new HeldSiem([keyOf(0), keyOf(1)], false);
    const w = invocation({ objects: 3, records: 3, siem, siemInFlight: 2 });
    const done = w.run();
    await until(() => siem.held === 2, 'objects 0 and 1 wait on the SIEM');
    for (let turn = 0; turn < 100; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(w.adds, [], 'the wave waits for object 2');
    siem.release();
    await withoutTimers(done);
    w.close();
    assert.deepEqual(w.adds.sort(), GROUPS, 'one wave');
    assert.equal(w.siem.received.length, 3 * 3);
  });
});
