import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse, HttpTransport } from '../../../lambda/core/http/client';
import { RequestLatency } from '../../../lambda/core/http/latency';
import { createLimiter } from '../../../lambda/core/http/limiter';
import { noAuth } from '../../../lambda/core/sinks/auth';
import { createDeliveryLoop } from '../../../lambda/core/sinks/delivery-loop';
import { classifyHecAnswer } from '../../../lambda/core/sinks/splunk-hec/classifier';
import { makeRecords } from './fixtures';

const SUCCESS: HttpResponse = { status: 200, headers: {}, body: '{"text":"Success","code":0}' };
const BUSY: HttpResponse = { status: 503, headers: {}, body: '{"text":"Server is busy","code":9}' };

/** A HEC destination on a hand-driven clock: each request takes `latencyMs`, sleeps take `sleepMs`. */
function destination(answers: HttpResponse[], latencyMs: number, sleepMs?: number) {
  const clock = { now: 0 };
  const started: number[] = [];
  const transport: HttpTransport = {
    async request() {
      started.push(clock.now);
      clock.now += latencyMs;
      return { ok: true, response: answers[Math.min(started.length - 1, answers.length - 1)] };
    },
  };
  const deliver = createDeliveryLoop({
    name: 'splunk',
    protocol: {
      url: new URL('http://127.0.0.1:9/services/collector/event'),
      contentType: 'text/plain',
      encode: (batch) => batch.map((record) => `${record.id}\n`).join(''),
      classify: classifyHecAnswer,
    },
    transport,
    limiter: createLimiter(1),
    authorizer: noAuth,
    gzip: false,
    requestTimeoutMs: 30_000,
    retryPolicy: { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: 5 },
    random: () => 0.5,
    sleep: async (ms) => void (clock.now += sleepMs ?? ms),
    now: () => clock.now,
  });
  return { clock, started, deliver };
}

describe('a request close to the deadline', () => {
  it('is not started when the latency seen so far says it could not finish in time', async () => {
    const { started, deliver } = destination([SUCCESS], 1_000);
    const latency = new RequestLatency();
    const context = { deadline: 2_500, latency };
    const first = await deliver(makeRecords(2), context);
    assert.equal(first.delivered.length, 2);
    // 1 s left, and the last request took 1 s: it would end too close to the deadline, or after it.
    const second = await deliver(makeRecords(2), context);
    assert.deepEqual(started, [0], 'one request only');
    assert.equal(second.failure?.code, 'DELIVERY_DEADLINE');
    assert.equal(second.failed.length, 2);
  });

  it('still starts the first request of an invocation, when no latency is known yet', async () => {
    const { started, deliver } = destination([SUCCESS], 1_000);
    const outcome = await deliver(makeRecords(2), { deadline: 500, latency: new RequestLatency() });
    assert.deepEqual(started, [0]);
    assert.equal(outcome.delivered.length, 2);
  });

  it('fails records the destination refused as its failure, not the deadline, when no time is left to retry', async () => {
    // The backoff sleep overruns (a busy machine): the retry finds the deadline too close.
    const { started, deliver } = destination([BUSY, SUCCESS], 100, 800);
    const outcome = await deliver(makeRecords(2), { deadline: 1_000, latency: new RequestLatency() });
    assert.deepEqual(started, [0]);
    assert.equal(outcome.failure?.code, 'DESTINATION_UNAVAILABLE');
    assert.match(outcome.failure?.message ?? '', /Server is busy/);
  });
});
