import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpTransport } from '../../../lambda/core/http/client';
import { NetworkError } from '../../../lambda/core/http/errors';
import { createLimiter } from '../../../lambda/core/http/limiter';
import { invocationSchedule } from '../../../lambda/core/forward/object-slots';
import { processMessage, type MessageDependencies } from '../../../lambda/core/forward/process-message';
import { DEFAULT_RETRY_POLICY } from '../../../lambda/core/retry/backoff';
import { noAuth } from '../../../lambda/core/sinks/auth';
import { createDeliveryLoop } from '../../../lambda/core/sinks/delivery-loop';
import { classifyHecAnswer } from '../../../lambda/core/sinks/splunk-hec/classifier';
import type { Sink } from '../../../lambda/core/sinks/types';
import { deadlinesFor } from '../../../lambda/forwarder/deadlines';
import { MemoryObjects, MemoryQuarantine, ndjson, strongdmSource } from './fakes';
import { VirtualClock } from './virtual-clock';

const OBJECTS = 10;
const RECORDS_PER_OBJECT = 40;
const BATCH_RECORDS = 10;
const MAX_IN_FLIGHT = 4;
/** A 6 s invocation: reading stops at 4.2 s, the last request must end by 5.4 s. */
const BUDGET_MS = 6_000;

const keyOf = (object: number) => `sdm/logs/activities/2024/02/01/18/50/object-${object}.json`;
const objectOfId = (id: string) => Number(/^o(\d+)-/.exec(id)![1]);

function notification(key: string): string {
  return JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: '2024-02-01T19:00:00Z',
        s3: { bucket: { name: 'acme-logs' }, object: { key, eTag: `e-${key}`, versionId: 'v1' } },
      },
    ],
  });
}

function objectBodies(): Record<string, Buffer> {
  const bodies: Record<string, Buffer> = {};
  for (let object = 0; object < OBJECTS; object += 1) {
    bodies[keyOf(object)] = ndjson(
      Array.from({ length: RECORDS_PER_OBJECT }, (_, index) => ({
        id: `o${object}-${index}`,
        timestamp: '2024-02-01T18:50:00Z',
        activity: 'user logged into the Admin UI',
      })),
    );
  }
  return bodies;
}

interface SentRequest {
  readonly ids: readonly string[];
  readonly startedAt: number;
  readonly endedAt: number;
  /** Cut by its timeout (the deadline) before the destination answered. */
  readonly cut: boolean;
}

/**
 * Splunk HEC as the forwarder sees it (the real delivery loop and answer classifier, 4 requests in
 * flight shared by every object), answering after `latencyMs` of virtual time.
 */
function hec(clock: VirtualClock, latencyMs: number, answer: 'success' | 'busy') {
  const requests: SentRequest[] = [];
  const delivered: string[] = [];
  const transport: HttpTransport = {
    async request(request) {
      const ids = Buffer.from(request.body).toString().split('\n').filter(Boolean);
      const startedAt = clock.now();
      const cut = latencyMs > request.timeoutMs;
      await clock.sleep(cut ? request.timeoutMs : latencyMs);
      requests.push({ ids, startedAt, endedAt: clock.now(), cut });
      if (cut) return { ok: false, error: new NetworkError('timeout', 'no complete answer in time') };
      if (answer === 'busy') {
        return {
          ok: true,
          response: { status: 503, headers: {}, body: '{"text":"Server is busy","code":9}' },
        };
      }
      delivered.push(...ids);
      return { ok: true, response: { status: 200, headers: {}, body: '{"text":"Success","code":0}' } };
    },
  };
  const sink: Sink = {
    name: 'splunk',
    encodedSize: (record) => record.id.length + 1,
    maxBatchBytes: 1 << 20,
    maxBatchRecords: BATCH_RECORDS,
    deliver: createDeliveryLoop({
      name: 'splunk',
      protocol: {
        url: new URL('http://127.0.0.1:9/services/collector/event'),
        contentType: 'text/plain',
        encode: (batch) => batch.map((record) => `${record.id}\n`).join(''),
        classify: classifyHecAnswer,
      },
      transport,
      limiter: createLimiter(MAX_IN_FLIGHT),
      authorizer: noAuth,
      gzip: false,
      requestTimeoutMs: 30_000,
      retryPolicy: DEFAULT_RETRY_POLICY,
      random: () => 0.5,
      sleep: clock.sleep,
      now: clock.now,
    }),
  };
  return { sink, requests, delivered };
}

interface QueuedMessage {
  readonly body: string;
  /** Receives so far (SQS's ApproximateReceiveCount once received again). */
  receives: number;
}

interface InvocationResult {
  readonly failed: QueuedMessage[];
  readonly acknowledged: QueuedMessage[];
  readonly succeeded: QueuedMessage[];
  /** Messages sent to the object queue (continuations, hand-backs). */
  readonly sent: string[];
  readonly deliveryDeadline: number;
}

/** One Lambda invocation over `messages`, the way the forwarder's handler runs it. */
async function invoke(
  clock: VirtualClock,
  sink: Sink,
  objects: MemoryObjects,
  messages: readonly QueuedMessage[],
): Promise<InvocationResult> {
  const sent: string[] = [];
  const deadlines = deadlinesFor(clock.now(), BUDGET_MS);
  const destinations = [{ sink, maxInFlight: MAX_IN_FLIGHT }];
  const deps: MessageDependencies = {
    sources: [strongdmSource],
    destinations,
    objects,
    quarantine: new MemoryQuarantine(),
    continuations: { send: async (bodies) => void sent.push(...bodies) },
    maxRecordBytes: 1 << 20,
    maxObjectBytes: 1 << 30,
    now: clock.now,
    stopReadingAt: deadlines.stopReadingAt,
    deliveryDeadline: deadlines.deliveryDeadline,
    ...invocationSchedule({ destinations, now: clock.now, ...deadlines }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const acknowledged: QueuedMessage[] = [];
  for (const message of messages) message.receives += 1;
  const results = await Promise.allSettled(
    messages.map((message) =>
      processMessage(message.body, deps, {
        receiveCount: message.receives,
        acknowledge: async () => void acknowledged.push(message),
      }),
    ),
  );
  return {
    failed: messages.filter((_, index) => results[index].status === 'rejected'),
    succeeded: messages.filter((_, index) => results[index].status === 'fulfilled'),
    acknowledged,
    sent,
    deliveryDeadline: deadlines.deliveryDeadline,
  };
}

function continuationOf(sent: readonly string[], key: string) {
  const bodies = sent.map((body) => JSON.parse(body) as { key: string; reason: string; progress: object });
  return bodies.find((body) => body.key === key);
}

const positionsAtStart = (progress: object) => Object.values(progress).every((position) => position === 0);

describe('ten objects, four requests in flight and a 6 s budget', () => {
  const fresh = () =>
    Array.from({ length: OBJECTS }, (_, object) => ({ body: notification(keyOf(object)), receives: 0 }));

  it('fails no object that never got a request out, and hands those back without counting a receive', async (t) => {
    const clock = new VirtualClock();
    const destination = hec(clock, 2_000, 'success');
    const objects = new MemoryObjects(objectBodies());
    objects.chunkSize = 1 << 20;
    const messages = fresh();
    const first = await invoke(clock, destination.sink, objects, messages);

    const requested = new Set(destination.requests.flatMap((request) => request.ids.map(objectOfId)));
    for (const message of first.failed) {
      const object = messages.indexOf(message);
      assert.ok(requested.has(object), `object ${object} failed without any request`);
    }
    const untouched = messages.filter((_, object) => !requested.has(object));
    t.diagnostic(
      `first invocation: ${destination.requests.length} requests, objects requested ${[...requested].join(',')}, failed ${first.failed.length}, handed back ${untouched.length}`,
    );
    assert.ok(untouched.length > 0, 'the budget is too tight for every object to start');
    for (const message of untouched) {
      const object = messages.indexOf(message);
      assert.ok(first.succeeded.includes(message), `object ${object}: its message does not fail`);
      assert.ok(first.acknowledged.includes(message), `object ${object}: its message is deleted at once`);
      const handedBack = continuationOf(first.sent, keyOf(object));
      assert.ok(handedBack, `object ${object} is handed back in a new message`);
      assert.equal(handedBack.reason, 'deadline');
      assert.ok(positionsAtStart(handedBack.progress), `object ${object} is handed back untouched`);
    }
    for (const object of requested) {
      const continued = continuationOf(first.sent, keyOf(object));
      assert.ok(continued, `object ${object} continues in a new message`);
      assert.equal(continued.reason, 'deadline', `object ${object}: every failure was the deadline`);
      assert.ok(!positionsAtStart(continued.progress), `object ${object} made progress`);
    }
    assert.deepEqual(
      destination.requests.filter((request) => request.cut || request.endedAt > first.deliveryDeadline),
      [],
      'no request was started that could not finish before the deadline',
    );

    // Every handed-back or continued object is finished by later invocations, each record once.
    let queue = first.sent.map((body) => ({ body, receives: 0 }));
    for (let invocation = 0; queue.length > 0; invocation += 1) {
      assert.ok(invocation < 50, 'the queue drains');
      const next = await invoke(clock, destination.sink, objects, queue.splice(0, 10));
      assert.deepEqual(next.failed, [], 'no message fails');
      queue = [...queue, ...next.sent.map((body) => ({ body, receives: 0 }))];
    }
    assert.equal(destination.delivered.length, OBJECTS * RECORDS_PER_OBJECT);
    assert.equal(new Set(destination.delivered).size, OBJECTS * RECORDS_PER_OBJECT, 'each record once');
  });

  it('still counts an untouched object on a later receive, which follows a failed one', async () => {
    const clock = new VirtualClock();
    const destination = hec(clock, 2_000, 'success');
    const objects = new MemoryObjects(objectBodies());
    objects.chunkSize = 1 << 20;
    const messages = fresh().map((message) => ({ ...message, receives: 1 }));
    const result = await invoke(clock, destination.sink, objects, messages);

    const requested = new Set(destination.requests.flatMap((request) => request.ids.map(objectOfId)));
    const untouched = messages.filter((_, object) => !requested.has(object));
    assert.ok(untouched.length > 0);
    assert.deepEqual(result.failed, untouched, 'the untouched objects fail: their receive counts');
    for (const message of untouched) {
      assert.equal(continuationOf(result.sent, keyOf(messages.indexOf(message))), undefined);
    }
  });

  it('brings every object to the DLQ after maxReceiveCount receives when the destination is down', async (t) => {
    const MAX_RECEIVE_COUNT = 3;
    const clock = new VirtualClock();
    const destination = hec(clock, 100, 'busy');
    const objects = new MemoryObjects(objectBodies());
    objects.chunkSize = 1 << 20;
    const queue: QueuedMessage[] = fresh();
    const deadLetters: QueuedMessage[] = [];
    let invocations = 0;
    for (; queue.length > 0; invocations += 1) {
      assert.ok(invocations < 100, 'every message leaves the queue');
      const batch = queue.splice(0, 10);
      const result = await invoke(clock, destination.sink, objects, batch);
      for (const message of result.failed) {
        // SQS moves a message to the DLQ instead of delivering it once more than maxReceiveCount.
        if (message.receives >= MAX_RECEIVE_COUNT) deadLetters.push(message);
        else queue.push(message);
      }
      queue.push(...result.sent.map((body) => ({ body, receives: 0 })));
    }
    t.diagnostic(
      `${invocations} invocations, ${destination.requests.length} requests, DLQ ${deadLetters.length}`,
    );
    const keys = deadLetters.map(
      (message) =>
        JSON.parse(message.body) as { key?: string; Records?: { s3: { object: { key: string } } }[] },
    );
    const deadKeys = keys.map((body) => body.key ?? body.Records![0].s3.object.key).sort();
    assert.deepEqual(deadKeys, Array.from({ length: OBJECTS }, (_, object) => keyOf(object)).sort());
    const requested = new Set(destination.requests.flatMap((request) => request.ids.map(objectOfId)));
    assert.equal(requested.size, OBJECTS, 'each object reached the DLQ after at least one attempt');
    assert.equal(destination.delivered.length, 0);
  });
});
