import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectorCodes, CollectorError } from '../../../lambda/core/collectors/codes';
import { sendApiRequest, type ApiCallSettings } from '../../../lambda/core/collectors/http/request';
import type { HttpTransport } from '../../../lambda/core/http/client';

const REQUEST = { method: 'GET', url: new URL('https://api.example.com/events?since=x'), headers: {} };
const POLICY = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetries: 3 };

/** Answers 503 with `Retry-After: 30` to every request, counting them. */
function unavailable(): HttpTransport & { requests: number } {
  const transport = {
    requests: 0,
    request: async () => {
      transport.requests += 1;
      return { ok: true as const, response: { status: 503, headers: { 'retry-after': '30' }, body: '' } };
    },
  };
  return transport;
}

describe('sendApiRequest: an operator stop ends the wait between retries', () => {
  it('ends the wait at once when the signal aborts, and retries no more', async () => {
    const transport = unavailable();
    const stop = new AbortController();
    const waits: number[] = [];
    const settings: ApiCallSettings = {
      transport,
      requestTimeoutMs: 1_000,
      retryPolicy: POLICY,
      signal: stop.signal,
      // The operator's Ctrl-C arrives during the first wait; the wait must not outlast it.
      sleep: (ms, signal) => {
        waits.push(ms);
        stop.abort();
        return signal?.aborted ? Promise.resolve() : new Promise(() => undefined);
      },
    };
    const error = await sendApiRequest(REQUEST, Date.now() + 3_600_000, settings).catch((e: unknown) => e);
    assert.ok(error instanceof CollectorError);
    assert.equal(error.code, CollectorCodes.BUDGET_SPENT);
    assert.equal(error.kind, 'pause', 'a stop pauses the run: the next one continues');
    assert.match(error.message, /stopped on request while waiting to retry api\.example\.com\/events/);
    assert.doesNotMatch(error.message, /since=/, 'never the query');
    assert.deepEqual(waits, [30_000]);
    assert.equal(transport.requests, 1);
  });

  it('starts no retry once the signal aborted during the request in flight', async () => {
    const transport = unavailable();
    const stop = new AbortController();
    const waits: number[] = [];
    const error = await sendApiRequest(REQUEST, Date.now() + 3_600_000, {
      transport: {
        request: async (request) => {
          stop.abort();
          return transport.request(request);
        },
      },
      requestTimeoutMs: 1_000,
      retryPolicy: POLICY,
      signal: stop.signal,
      sleep: async (ms) => void waits.push(ms),
    }).catch((e: unknown) => e);
    assert.equal((error as CollectorError).code, CollectorCodes.BUDGET_SPENT);
    assert.deepEqual(waits, [], 'no wait at all');
    assert.equal(transport.requests, 1);
  });

  it('the default sleep wakes when the signal aborts', async () => {
    const transport = unavailable();
    const stop = new AbortController();
    const pending = sendApiRequest(REQUEST, Date.now() + 3_600_000, {
      transport,
      requestTimeoutMs: 1_000,
      retryPolicy: POLICY,
      signal: stop.signal,
    });
    // Waiting 30 s (Retry-After) now; the abort must settle it, not the timer.
    setImmediate(() => stop.abort());
    const error = await pending.catch((e: unknown) => e);
    assert.equal((error as CollectorError).code, CollectorCodes.BUDGET_SPENT);
    assert.equal(transport.requests, 1);
  });

  it('without a signal (the Lambda function), retries until the policy or deadline ends them', async () => {
    const transport = unavailable();
    const waits: number[] = [];
    const error = await sendApiRequest(REQUEST, Date.now() + 3_600_000, {
      transport,
      requestTimeoutMs: 1_000,
      retryPolicy: POLICY,
      sleep: async (ms) => void waits.push(ms),
    }).catch((e: unknown) => e);
    assert.equal((error as CollectorError).code, CollectorCodes.UNAVAILABLE);
    assert.deepEqual(waits, [30_000, 30_000, 30_000]);
    assert.equal(transport.requests, 4);
  });
});
