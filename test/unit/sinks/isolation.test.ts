import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { HttpResponse, HttpTransport } from '../../../lambda/core/http/client';
import { createLimiter } from '../../../lambda/core/http/limiter';
import { noAuth } from '../../../lambda/core/sinks/auth';
import { createDeliveryLoop, type SinkProtocol } from '../../../lambda/core/sinks/delivery-loop';
import { classifyCollectorAnswer } from '../../../lambda/core/sinks/https/classifier';
import { createIsolation, isolationBudget } from '../../../lambda/core/sinks/isolation';
import { classifyIngestionAnswer } from '../../../lambda/core/sinks/sentinel/classifier';
import type { BatchOutcome } from '../../../lambda/core/sinks/types';
import { context, ids, instantSleep, makeRecords } from './fixtures';

const collectorRefusal = (sentIds: string[], bad: ReadonlySet<string>): HttpResponse => {
  const index = sentIds.findIndex((id) => bad.has(id));
  return index === -1
    ? { status: 200, headers: {}, body: '{}' }
    : { status: 400, headers: {}, body: `{"error":"record ${index} is invalid"}` };
};

/** Answers each request from `answer(ids it carried, request number)`; records what was sent. */
function transportOf(answer: (sentIds: string[], index: number) => HttpResponse) {
  const sent: string[][] = [];
  const transport: HttpTransport = {
    async request(request) {
      const sentIds = Buffer.from(request.body).toString().split('\n').filter(Boolean);
      sent.push(sentIds);
      return { ok: true, response: answer(sentIds, sent.length - 1) };
    },
  };
  return { transport, sent };
}

function loop(
  transport: HttpTransport,
  options: {
    classify?: SinkProtocol['classify'];
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
  } = {},
) {
  return createDeliveryLoop({
    name: 'collector',
    protocol: {
      url: new URL('http://127.0.0.1:9/ingest'),
      contentType: 'text/plain',
      encode: (batch) => batch.map((record) => `${record.id}\n`).join(''),
      classify: options.classify ?? classifyCollectorAnswer,
    },
    transport,
    limiter: createLimiter(2),
    authorizer: noAuth,
    gzip: false,
    requestTimeoutMs: 30_000,
    retryPolicy: { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: 5 },
    random: () => 0.5,
    sleep: options.sleep ?? instantSleep().sleep,
    now: options.now,
  });
}

/** Every record of the batch in exactly one of delivered, rejected and failed. */
function assertAccounted(outcome: BatchOutcome, batchIds: readonly string[]): void {
  const all = [
    ...ids(outcome.delivered),
    ...outcome.rejected.map((rejection) => rejection.record.id),
    ...ids(outcome.failed),
  ];
  assert.deepEqual([...all].sort(), [...batchIds].sort());
}

const log2 = (n: number) => Math.ceil(Math.log2(n));

describe('isolating records refused in a batch', () => {
  it('budget: 4 × ⌈log2 n⌉ extra requests, none for a single record', () => {
    assert.deepEqual([1, 2, 3, 500, 1_000, 10_000].map(isolationBudget), [0, 4, 8, 36, 40, 56]);
    const isolation = createIsolation(4);
    const batch = makeRecords(4);
    const refusal = { code: 'X', reason: 'collector 400' };
    assert.equal(isolation.budget, 8);
    for (const group of [batch, batch.slice(0, 2), batch.slice(2), batch.slice(0, 2)])
      assert.equal(isolation.decide(group, refusal).resend?.length, 2);
    assert.equal(isolation.spent, 8);
    assert.deepEqual(
      isolation.decide(batch.slice(0, 1), refusal).rejected.map((rejection) => rejection.reason),
      ['collector 400'],
      'a single record is to blame, whatever the budget',
    );
    const spent = isolation.decide(batch.slice(0, 2), refusal);
    assert.equal(spent.resend, undefined);
    assert.equal(spent.rejected.length, 2);
    assert.match(
      spent.rejected[0].reason,
      /^collector 400 \(refused in a request of 2 records, not isolated further/,
    );
  });

  for (const position of [0, 1, 499, 500, 998, 999]) {
    it(`one bad record (at ${position}) of 1,000: 999 delivered, it alone quarantined, O(log n) extra requests`, async () => {
      const batch = makeRecords(1_000);
      const bad = new Set([`rec-${position}`]);
      const { transport, sent } = transportOf((sentIds) => collectorRefusal(sentIds, bad));
      const outcome = await loop(transport)(batch, context());
      assert.equal(outcome.delivered.length, 999);
      assert.equal(outcome.failed.length, 0);
      assert.deepEqual(
        outcome.rejected.map(({ record, code, reason }) => [record.id, code, reason]),
        [[`rec-${position}`, 'HTTPS_BATCH_REJECTED', 'collector 400: {"error":"record 0 is invalid"}']],
      );
      assertAccounted(outcome, ids(batch));
      // The first request, then one refused and one accepted half per level.
      assert.ok(sent.length <= 1 + 2 * log2(1_000), `${sent.length} requests`);
      // Nothing was delivered twice.
      const accepted = sent.filter((request) => !request.some((id) => bad.has(id))).flat();
      assert.equal(new Set(accepted).size, accepted.length);
    });
  }

  it('every record refused (a schema that matches none): bounded requests, the rest quarantined with the reason', async () => {
    const batch = makeRecords(1_000);
    const { transport, sent } = transportOf(() => ({
      status: 400,
      headers: {},
      body: '{"error":"schema mismatch"}',
    }));
    const outcome = await loop(transport)(batch, context());
    assert.equal(sent.length, 1 + isolationBudget(1_000));
    assert.equal(outcome.delivered.length, 0);
    assert.equal(outcome.failed.length, 0);
    assert.equal(outcome.rejected.length, 1_000);
    assertAccounted(outcome, ids(batch));
    const alone = outcome.rejected.filter((rejection) => !rejection.reason.includes('not isolated further'));
    assert.ok(alone.length > 0 && alone.length < 40, `${alone.length} records isolated alone`);
    assert.ok(alone.every((rejection) => rejection.reason === 'collector 400: {"error":"schema mismatch"}'));
    const grouped = outcome.rejected.find((rejection) => rejection.reason.includes('not isolated further'));
    assert.match(
      grouped?.reason ?? '',
      /^collector 400: \{"error":"schema mismatch"\} \(refused in a request of \d+ records, not isolated further: the batch spent its 40 isolation requests\)$/,
    );
  });

  it('any records refused, anywhere: each record in exactly one outcome, the budget holds, up to two bad ones isolated alone', () =>
    fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 300 })
          .chain((size) =>
            fc.tuple(
              fc.constant(size),
              fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: size }),
            ),
          ),
        async ([size, positions]) => {
          const batch = makeRecords(size);
          const bad = new Set(positions.map((position) => `rec-${position}`));
          const { transport, sent } = transportOf((sentIds) => collectorRefusal(sentIds, bad));
          const outcome = await loop(transport)(batch, context());
          assertAccounted(outcome, ids(batch));
          assert.equal(outcome.failed.length, 0);
          assert.ok(sent.length <= 1 + isolationBudget(size));
          assert.ok(
            outcome.delivered.every((record) => !bad.has(record.id)),
            'no bad record delivered',
          );
          if (bad.size <= 2) {
            assert.deepEqual(
              outcome.rejected.map((rejection) => rejection.record.id).sort(),
              [...bad].sort(),
            );
          }
        },
      ),
      { numRuns: 200 },
    ));

  it('429 and 5xx inside the split are retried after a backoff, like any request', async () => {
    const batch = makeRecords(8);
    const bad = new Set(['rec-5']);
    const { sleep, delays } = instantSleep();
    const { transport, sent } = transportOf((sentIds, index) =>
      index === 1 || index === 2
        ? { status: index === 1 ? 503 : 429, headers: { 'retry-after': '2' }, body: 'busy' }
        : collectorRefusal(sentIds, bad),
    );
    const outcome = await loop(transport, { sleep })(batch, context());
    assert.deepEqual(
      ids(outcome.delivered).sort(),
      ids(batch)
        .filter((id) => id !== 'rec-5')
        .sort(),
    );
    assert.deepEqual(
      outcome.rejected.map((rejection) => rejection.record.id),
      ['rec-5'],
    );
    assert.deepEqual(delays, [2_000], 'both busy pieces wait one backoff, never shorter than Retry-After');
    assert.deepEqual(sent.slice(1, 5), [
      ['rec-0', 'rec-1', 'rec-2', 'rec-3'],
      ['rec-4', 'rec-5', 'rec-6', 'rec-7'],
      ['rec-0', 'rec-1', 'rec-2', 'rec-3'],
      ['rec-4', 'rec-5', 'rec-6', 'rec-7'],
    ]);
  });

  it('stops at the deadline: what is left fails (sent again later), nothing is lost or quarantined unproven', async () => {
    const batch = makeRecords(64);
    const bad = new Set(['rec-40']);
    let clock = 1_000_000;
    const { transport, sent } = transportOf((sentIds) => {
      clock += 1_000; // every request takes a second
      return collectorRefusal(sentIds, bad);
    });
    const outcome = await loop(transport, { now: () => clock })(batch, context(undefined, 1_000_000 + 2_500));
    assert.equal(sent.length, 3);
    assertAccounted(outcome, ids(batch));
    assert.equal(outcome.failure?.code, 'DELIVERY_DEADLINE');
    assert.deepEqual(ids(outcome.delivered), ids(batch.slice(0, 32)));
    assert.equal(outcome.rejected.length, 0);
    assert.equal(outcome.failed.length, 32);
  });

  it('a configuration answer inside the split (404) fails the rest instead of quarantining it', async () => {
    const batch = makeRecords(8);
    const { transport } = transportOf((sentIds, index) =>
      index === 0 ? collectorRefusal(sentIds, new Set(['rec-0'])) : { status: 404, headers: {}, body: '' },
    );
    const outcome = await loop(transport)(batch, context());
    assert.equal(outcome.rejected.length, 0);
    assert.equal(outcome.failed.length, 8);
    assert.equal(outcome.failure?.code, 'HTTPS_REQUEST_REJECTED');
  });

  it('Logs Ingestion API: a 400 InvalidPayload is isolated; 400 InvalidStream is not (configuration)', async () => {
    const azure = (code: string, message: string): HttpResponse => ({
      status: 400,
      headers: { 'x-ms-error-code': code },
      body: JSON.stringify({ error: { code, message } }),
    });
    const batch = makeRecords(1_000);
    const { transport, sent } = transportOf((sentIds) =>
      sentIds.includes('rec-321')
        ? azure('InvalidPayload', 'Data at index 0 is invalid.')
        : { status: 204, headers: {}, body: '' },
    );
    const outcome = await loop(transport, { classify: classifyIngestionAnswer })(batch, context());
    assert.equal(outcome.delivered.length, 999);
    assert.deepEqual(
      outcome.rejected.map(({ record, code, reason }) => [record.id, code, reason]),
      [
        [
          'rec-321',
          'SENTINEL_BATCH_REJECTED',
          'Logs Ingestion API 400 InvalidPayload: Data at index 0 is invalid.',
        ],
      ],
    );
    assert.ok(sent.length <= 1 + 2 * log2(1_000));

    const stream = transportOf(() => azure('InvalidStream', "The stream 'Custom-x' is not declared."));
    const refused = await loop(stream.transport, { classify: classifyIngestionAnswer })(batch, context());
    assert.equal(stream.sent.length, 1);
    assert.equal(refused.failure?.code, 'SENTINEL_REQUEST_REJECTED');
    assert.equal(refused.failed.length, 1_000);
  });
});
