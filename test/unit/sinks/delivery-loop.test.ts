import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { HttpRequest, HttpResponse, HttpResult, HttpTransport } from '../../../lambda/core/http/client';
import { NetworkError } from '../../../lambda/core/http/errors';
import { createLimiter } from '../../../lambda/core/http/limiter';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import { noAuth, secretAuthorization, splunkToken, type Authorizer } from '../../../lambda/core/sinks/auth';
import type { Classification } from '../../../lambda/core/sinks/classification';
import { createDeliveryLoop, type SinkProtocol } from '../../../lambda/core/sinks/delivery-loop';
import { classifyHecAnswer } from '../../../lambda/core/sinks/splunk-hec/classifier';
import { context, fakeSecret, ids, instantSleep, makeRecords, recordingObserver } from './fixtures';

type Answer = HttpResponse | NetworkError;

/** A transport that answers from a script (the last answer repeats) and records what it was sent. */
function scriptedTransport(script: Answer[] | ((request: HttpRequest, sentIds: string[]) => Answer)) {
  const sent: Array<{ ids: string[]; headers: Record<string, string>; body: Uint8Array; timeoutMs: number }> =
    [];
  let index = 0;
  const transport: HttpTransport = {
    async request(request): Promise<HttpResult> {
      const sentIds = Buffer.from(request.body).toString().split('\n').filter(Boolean);
      sent.push({
        ids: sentIds,
        headers: { ...request.headers },
        body: request.body,
        timeoutMs: request.timeoutMs,
      });
      const answer = Array.isArray(script)
        ? script[Math.min(index++, script.length - 1)]
        : script(request, sentIds);
      return answer instanceof NetworkError ? { ok: false, error: answer } : { ok: true, response: answer };
    },
  };
  return { transport, sent };
}

const ok = (body = '{"text":"Success","code":0}'): HttpResponse => ({ status: 200, headers: {}, body });
const status = (code: number, body = '', headers: HttpResponse['headers'] = {}): HttpResponse => ({
  status: code,
  headers,
  body,
});

/** One record id per line, so tests can see exactly which records each request carried. */
function protocol(classify: SinkProtocol['classify'] = classifyHecAnswer): SinkProtocol {
  return {
    url: new URL('http://127.0.0.1:9/services/collector/event'),
    contentType: 'text/plain',
    encode: (batch) => batch.map((record) => `${record.id}\n`).join(''),
    classify,
  };
}

function loop(
  transport: HttpTransport,
  options: {
    classify?: SinkProtocol['classify'];
    authorizer?: Authorizer;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    random?: () => number;
    maxRetries?: number;
  } = {},
) {
  return createDeliveryLoop({
    name: 'test-dest',
    protocol: protocol(options.classify),
    transport,
    limiter: createLimiter(2),
    authorizer: options.authorizer ?? noAuth,
    gzip: false,
    requestTimeoutMs: 30_000,
    retryPolicy: { baseDelayMs: 100, maxDelayMs: 1_000, maxRetries: options.maxRetries ?? 5 },
    random: options.random ?? (() => 0.5),
    sleep: options.sleep ?? instantSleep().sleep,
    now: options.now,
  });
}

describe('delivery loop', () => {
  it('delivers a batch in one request when the destination accepts it', async () => {
    const { transport, sent } = scriptedTransport([ok()]);
    const observer = recordingObserver();
    const batch = makeRecords(3);
    const outcome = await loop(transport)(batch, context(observer));
    assert.deepEqual(ids(outcome.delivered), ids(batch));
    assert.equal(outcome.failed.length, 0);
    assert.equal(outcome.failure, undefined);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].headers['content-type'], 'text/plain');
    assert.equal(sent[0].headers['content-length'], String(sent[0].body.byteLength));
    assert.deepEqual(observer.requests, [{ status: 200, bytes: sent[0].body.byteLength }]);
  });

  it('retries 503 and network errors with backoff, reusing the same bytes', async () => {
    const { transport, sent } = scriptedTransport([
      status(503, '{"text":"Server is busy","code":9}'),
      new NetworkError('reset', 'ECONNRESET'),
      ok(),
    ]);
    const { sleep, delays } = instantSleep();
    const observer = recordingObserver();
    const outcome = await loop(transport, { sleep })(makeRecords(4), context(observer));
    assert.equal(outcome.delivered.length, 4);
    assert.equal(sent.length, 3);
    assert.equal(sent[0].body, sent[2].body, 'a whole-batch retry resends the cached body');
    assert.deepEqual(delays, [50, 100]);
    assert.deepEqual(
      observer.retries.map((retry) => retry.reason),
      ['HEC 503 code 9: Server is busy', 'HTTP_CONNECTION_RESET'],
    );
    assert.deepEqual(
      observer.requests.map((request) => request.status),
      [503, 'network-error', 200],
    );
  });

  it('retries only the subset the classifier names', async () => {
    // Odd-numbered records are refused with 429 on the first attempt only.
    let attempt = 0;
    const classify = (_response: HttpResponse, batch: readonly OutboundRecord[]): Classification => {
      attempt += 1;
      if (attempt > 1) return { delivered: batch, rejected: [], retry: [] };
      return {
        delivered: batch.filter((_, index) => index % 2 === 0),
        rejected: [],
        retry: batch.filter((_, index) => index % 2 === 1),
        reason: 'item 429',
      };
    };
    const { transport, sent } = scriptedTransport([ok()]);
    const outcome = await loop(transport, { classify })(makeRecords(6), context());
    assert.deepEqual(
      sent.map((request) => request.ids),
      [
        ['rec-0', 'rec-1', 'rec-2', 'rec-3', 'rec-4', 'rec-5'],
        ['rec-1', 'rec-3', 'rec-5'],
      ],
    );
    assert.equal(outcome.delivered.length, 6);
  });

  it('honours Retry-After above the computed backoff', async () => {
    const { transport } = scriptedTransport([status(429, '', { 'retry-after': '3' }), ok()]);
    const { sleep, delays } = instantSleep();
    await loop(transport, { sleep })(makeRecords(1), context());
    assert.deepEqual(delays, [3_000]);
  });

  it('413: splits in halves until each part fits', async () => {
    const { transport, sent } = scriptedTransport((_request, sentIds) =>
      sentIds.length > 2 ? status(413) : ok(),
    );
    const observer = recordingObserver();
    const outcome = await loop(transport)(makeRecords(7), context(observer));
    assert.equal(outcome.delivered.length, 7);
    assert.deepEqual(
      sent.filter((request) => request.ids.length <= 2).flatMap((request) => request.ids),
      ids(makeRecords(7)),
      'every record sent once in a request that fits, in order',
    );
    assert.ok(observer.retries.every((retry) => retry.delayMs === 0));
  });

  it('HEC partial answer: delivers the head, quarantines event N, resends only the tail', async () => {
    const { transport, sent } = scriptedTransport([
      status(400, '{"text":"Invalid data format","code":6,"invalid-event-number":2}'),
      ok(),
    ]);
    const outcome = await loop(transport)(makeRecords(5), context());
    assert.deepEqual(ids(outcome.delivered), ['rec-0', 'rec-1', 'rec-3', 'rec-4']);
    assert.deepEqual(
      outcome.rejected.map((rejection) => rejection.record.id),
      ['rec-2'],
    );
    assert.deepEqual(sent[1].ids, ['rec-3', 'rec-4']);
  });

  it('401: re-reads the secret once and succeeds with the rotated token', async () => {
    const secret = fakeSecret('old');
    secret.value = 'new';
    const { transport, sent } = scriptedTransport((request) =>
      request.headers.authorization === 'Splunk new'
        ? ok()
        : status(403, '{"text":"Invalid token","code":4}'),
    );
    const observer = recordingObserver();
    const outcome = await loop(transport, { authorizer: secretAuthorization(secret, splunkToken) })(
      makeRecords(2),
      context(observer),
    );
    assert.equal(outcome.delivered.length, 2);
    assert.equal(secret.refreshes, 1);
    assert.deepEqual(
      sent.map((request) => request.headers.authorization),
      ['Splunk old', 'Splunk new'],
    );
    assert.deepEqual(observer.authFailures, []);
  });

  it('401 again after the refresh: fails with DESTINATION_AUTH_FAILED after two requests', async () => {
    const secret = fakeSecret('bad');
    const { transport, sent } = scriptedTransport([status(401, '{"text":"Token is required","code":2}')]);
    const observer = recordingObserver();
    const { sleep, delays } = instantSleep();
    const outcome = await loop(transport, { authorizer: secretAuthorization(secret, splunkToken), sleep })(
      makeRecords(3),
      context(observer),
    );
    assert.equal(sent.length, 2);
    assert.equal(secret.refreshes, 1);
    assert.equal(outcome.failure?.code, 'DESTINATION_AUTH_FAILED');
    assert.equal(outcome.failed.length, 3);
    assert.deepEqual(observer.authFailures, [401]);
    assert.deepEqual(delays, [], 'no backoff rounds spent on a refused token');
  });

  it('stops before the deadline and hands the records back as failed', async () => {
    let clock = 1_000;
    const { transport, sent } = scriptedTransport([status(503)]);
    const sleep = async (ms: number) => void (clock += ms);
    const outcome = await loop(transport, { now: () => clock, sleep, random: () => 0.99, maxRetries: 100 })(
      makeRecords(2),
      context(undefined, 3_000),
    );
    assert.equal(outcome.failure?.code, 'DESTINATION_UNAVAILABLE');
    assert.match(outcome.failure?.message ?? '', /deadline/);
    assert.equal(outcome.failed.length, 2);
    assert.ok(clock < 3_000, 'no attempt started at or after the deadline');
    assert.ok(sent.length >= 2);
    assert.ok(
      sent.every((request) => request.timeoutMs <= 2_000),
      'request timeouts clamped to the deadline',
    );
  });

  it('gives up after maxRetries rounds', async () => {
    const { transport, sent } = scriptedTransport([status(500)]);
    const outcome = await loop(transport, { maxRetries: 2 })(makeRecords(1), context());
    assert.equal(sent.length, 3);
    assert.equal(outcome.failure?.code, 'DESTINATION_UNAVAILABLE');
    assert.match(outcome.failure?.message ?? '', /retries exhausted/);
  });

  it('fails at once when the deadline has already passed', async () => {
    const { transport, sent } = scriptedTransport([ok()]);
    const outcome = await loop(transport)(makeRecords(2), context(undefined, Date.now() - 1));
    assert.equal(sent.length, 0);
    assert.equal(outcome.failure?.code, 'DELIVERY_DEADLINE');
    assert.equal(outcome.failed.length, 2);
  });

  it('does not retry TLS failures inside the invocation', async () => {
    const { transport, sent } = scriptedTransport([new NetworkError('tls', 'CERT_HAS_EXPIRED')]);
    const outcome = await loop(transport)(makeRecords(2), context());
    assert.equal(sent.length, 1);
    assert.equal(outcome.failure?.code, 'DESTINATION_TLS_FAILED');
  });

  it('a secret that cannot be read fails the batch without a request', async () => {
    const { transport, sent } = scriptedTransport([ok()]);
    const secret = {
      get: () => Promise.reject(new Error('AccessDenied')),
      refresh: () => Promise.reject(new Error('x')),
    };
    const outcome = await loop(transport, { authorizer: secretAuthorization(secret, splunkToken) })(
      makeRecords(2),
      context(),
    );
    assert.equal(sent.length, 0);
    assert.equal(outcome.failure?.code, 'DESTINATION_AUTH_UNAVAILABLE');
    assert.equal(outcome.failed.length, 2);
  });

  it('a classifier bug fails the batch instead of throwing', async () => {
    const { transport } = scriptedTransport([ok()]);
    const outcome = await loop(transport, {
      classify: () => {
        throw new Error('bug');
      },
    })(makeRecords(2), context());
    assert.equal(outcome.failed.length, 2);
    assert.match(outcome.failure?.message ?? '', /bug/);
  });

  it('an empty batch sends nothing', async () => {
    const { transport, sent } = scriptedTransport([ok()]);
    const outcome = await loop(transport)([], context());
    assert.equal(sent.length, 0);
    assert.deepEqual(outcome, { delivered: [], rejected: [], failed: [] });
  });

  it('accounts for every record exactly once, whatever the destination answers', async () => {
    const answerArb = fc.oneof(
      fc.constant<Answer>(ok()),
      fc.constant<Answer>(status(503, '{"text":"Server is busy","code":9}')),
      fc.constant<Answer>(status(413)),
      fc.constant<Answer>(status(403, '{"text":"Invalid token","code":4}')),
      fc.constant<Answer>(status(400, '{"text":"No data","code":5}')),
      fc.constant<Answer>(new NetworkError('timeout', 'slow')),
      fc
        .nat(20)
        .map<Answer>((n) =>
          status(400, JSON.stringify({ text: 'Invalid data format', code: 6, 'invalid-event-number': n })),
        ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(answerArb, { minLength: 1, maxLength: 30 }),
        async (size, script) => {
          const { transport } = scriptedTransport(script);
          const batch = makeRecords(size);
          const outcome = await loop(transport, { maxRetries: 3 })(batch, context());
          const seen = [
            ...outcome.delivered,
            ...outcome.rejected.map((rejection) => rejection.record),
            ...outcome.failed,
          ];
          assert.deepEqual(ids(seen).sort(), ids(batch).sort());
          assert.equal(outcome.failed.length > 0, outcome.failure !== undefined);
        },
      ),
      { numRuns: 300 },
    );
  });
});
