import { setTimeout as delay } from 'node:timers/promises';
import type { HttpResponse, HttpTransport } from '../../http/client';
import { planRetry, parseRetryAfter, type RetryPolicy } from '../../retry/backoff';
import { CollectorCodes, CollectorError } from '../codes';

/** A request to the API as the collector builds it (header names lower-case). */
export interface ApiRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The clock, randomness and limits of a collector's requests; tests make them deterministic. */
export interface ApiCallSettings {
  readonly transport: HttpTransport;
  readonly requestTimeoutMs: number;
  readonly now?: () => number;
  /** Waits between retries; may return early once `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly retryPolicy?: RetryPolicy;
  /**
   * An operator's stop (the CLI's first Ctrl-C): it ends the wait between retries at once, and no
   * retry starts after it; a request in flight still gets its answer. Default: none (the Lambda
   * function's runs end at their deadline only).
   */
  readonly signal?: AbortSignal;
}

/** APIs ask for minutes at a time; the run's deadline is what really bounds the retries. */
export const COLLECTOR_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetries: 20,
});

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : undefined).catch((error: unknown) => {
    // An abort only cuts the wait short: the retry loop sees the signal and stops.
    if (!signal?.aborted) throw error;
  });

/** Where a request went, for errors and logs: never the query (it may carry a filter) nor a header. */
export function describeUrl(url: URL): { host: string; path: string } {
  return { host: url.host, path: url.pathname };
}

function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A 403 that is a rate limit, not a refusal: it says when to come back (`Retry-After`), or that the
 * quota is spent (`x-ratelimit-remaining: 0`, as GitHub answers).
 */
export function isRateLimited(response: HttpResponse): boolean {
  if (response.status === 429) return true;
  return (
    response.status === 403 &&
    (header(response, 'retry-after') !== undefined || header(response, 'x-ratelimit-remaining') === '0')
  );
}

/** How long the API asked us to wait: `Retry-After`, else an `x-ratelimit-reset` epoch second. */
export function requestedWaitMs(response: HttpResponse, now: number): number | undefined {
  const retryAfter = parseRetryAfter(response.headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = header(response, 'x-ratelimit-reset');
  if (reset && /^\d+$/.test(reset) && header(response, 'x-ratelimit-remaining') === '0') {
    return Math.max(0, Number(reset) * 1000 - now);
  }
  return undefined;
}

/**
 * Sends a request until it has a final answer: a 2xx, or a 401/403 the caller answers by
 * authenticating again. 429, 5xx and lost connections are retried with backoff, honouring
 * `Retry-After`, for as long as the deadline allows; then the run pauses (the next one continues).
 * Other answers are errors that stop the run.
 */
export async function sendApiRequest(
  request: ApiRequest,
  deadline: number,
  settings: ApiCallSettings,
): Promise<HttpResponse> {
  const now = settings.now ?? Date.now;
  const sleep = settings.sleep ?? defaultSleep;
  const policy = settings.retryPolicy ?? COLLECTOR_RETRY_POLICY;
  const where = describeUrl(request.url);
  const body = Buffer.from(request.body ?? '', 'utf8');
  for (let attempt = 0; ; attempt += 1) {
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw new CollectorError(
        CollectorCodes.BUDGET_SPENT,
        'the time budget ended before the API answered; the next run continues',
        where,
        { kind: 'pause' },
      );
    }
    const result = await settings.transport.request({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
      timeoutMs: Math.min(settings.requestTimeoutMs, remaining),
    });
    let retryAfterMs: number | undefined;
    let failure: CollectorError;
    if (!result.ok) {
      const { error } = result;
      failure = new CollectorError(
        CollectorCodes.UNAVAILABLE,
        `no answer from ${where.host}: ${error.message}`,
        { ...where, errno: error.code },
        { cause: error, kind: error.retryable ? 'pause' : 'fail' },
      );
      if (!error.retryable) throw failure;
    } else {
      const { response } = result;
      if (response.status >= 200 && response.status < 300) return response;
      const limited = isRateLimited(response);
      if ((response.status === 401 || response.status === 403) && !limited) return response;
      const transient = limited || response.status === 408 || response.status >= 500;
      if (!transient) throw rejected(response, where);
      retryAfterMs = requestedWaitMs(response, now());
      failure = new CollectorError(
        limited ? CollectorCodes.THROTTLED : CollectorCodes.UNAVAILABLE,
        limited
          ? `${where.host} is rate limiting (HTTP ${response.status}${retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}); the next run continues`
          : `${where.host} answered HTTP ${response.status} until the time budget ended; the next run continues`,
        { ...where, status: response.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
        { kind: 'pause' },
      );
    }
    const plan = planRetry({ attempt, policy, now: now(), deadline, retryAfterMs, random: settings.random });
    if (!plan.retry) throw failure;
    if (!settings.signal?.aborted) await sleep(plan.delayMs, settings.signal);
    if (settings.signal?.aborted) throw stoppedWhileRetrying(failure, where);
  }
}

/**
 * A stop while a request waits to be retried ends the run as a spent budget does (`paused`, what was
 * read is written): the operator asked for it, and the API's outage is the next run's to wait out.
 */
function stoppedWhileRetrying(
  failure: CollectorError,
  where: { host: string; path: string },
): CollectorError {
  return new CollectorError(
    CollectorCodes.BUDGET_SPENT,
    `stopped on request while waiting to retry ${where.host}${where.path} (${failure.code}); the next run continues`,
    { ...where, retrying: failure.code },
    { cause: failure, kind: 'pause' },
  );
}

function rejected(response: HttpResponse, where: { host: string; path: string }): CollectorError {
  const redirect = response.status >= 300 && response.status < 400;
  return new CollectorError(
    CollectorCodes.REQUEST_REJECTED,
    redirect
      ? `${where.host}${where.path} redirected (HTTP ${response.status}); credentials are never sent on to another URL. Fix: configure the final URL`
      : `${where.host}${where.path} refused the request (HTTP ${response.status}). Fix: check the collector's URL, query and filters`,
    { ...where, status: response.status },
  );
}
