import { SluiceError, errorMessage } from '../../../errors';
import type { HttpTransport } from '../../../http/client';
import type { Limiter } from '../../../http/limiter';
import { parseRetryAfter, planRetry, type RetryPolicy } from '../../../retry/backoff';
import type { Authorizer } from '../../auth';
import { SinkCodes } from '../../codes';
import type { DeliveryContext } from '../../types';

export interface LookupRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  /** JSON. */
  readonly body?: string;
}

/**
 * The cluster's answer (2xx, 403, 404 or another 4xx: the caller decides), or why there is none once
 * retries or time ran out. Never thrown.
 */
export type LookupResult =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

export interface LookupRequestOptions {
  /** Destination name, for observer events and messages. */
  readonly name: string;
  readonly transport: HttpTransport;
  /** The sink's limiter: a lookup is one of the destination's parallel requests. */
  readonly limiter: Limiter;
  readonly authorizer: Authorizer;
  readonly requestTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly random?: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

type Attempt =
  | LookupResult
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'auth-refused'; readonly status: number }
  | { readonly kind: 'out-of-time' };

const EMPTY = new Uint8Array(0);

/**
 * Sends the lookup's requests with the bulk request's rules (delivery-loop.ts): 408, 429, 5xx and
 * network errors are retried after a jittered backoff (never before Retry-After) until the retry
 * budget or the deadline runs out; a 401 re-reads the credentials once. A lookup that cannot be made
 * fails its records like a failing `_bulk` would: they are never sent unchecked because of it.
 */
export function createLookupRequests(options: LookupRequestOptions) {
  const { name, transport, limiter, authorizer, now } = options;

  const attempt = (request: LookupRequest, context: DeliveryContext): Promise<Attempt> =>
    limiter.run(async () => {
      const started = now();
      const headroom = context.latency?.headroomMs(name) ?? 0;
      if (started + headroom >= context.deadline) return { kind: 'out-of-time' };
      const body = request.body === undefined ? EMPTY : Buffer.from(request.body, 'utf8');
      const headers: Record<string, string> = { host: request.url.host, accept: 'application/json' };
      if (request.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(body.byteLength);
      }
      let authHeaders: Record<string, string>;
      try {
        authHeaders = await authorizer.headers({
          method: request.method,
          url: request.url,
          headers,
          body,
          deadline: context.deadline,
        });
      } catch (error) {
        if (error instanceof SluiceError && error.context.retryable === true)
          return { kind: 'retry', reason: errorMessage(error) };
        const code = error instanceof SluiceError ? error.code : SinkCodes.AUTH_UNAVAILABLE;
        return { kind: 'failed', code, message: `${name}: ${errorMessage(error)}` };
      }
      const result = await transport.request({
        method: request.method,
        url: request.url,
        headers: { ...headers, ...authHeaders },
        body,
        timeoutMs: Math.max(1, Math.min(options.requestTimeoutMs, context.deadline - started)),
      });
      const durationMs = now() - started;
      context.latency?.observe(name, durationMs);
      if (!result.ok) {
        context.observer?.request(name, { status: 'network-error', bytes: body.byteLength, durationMs });
        if (!result.error.retryable)
          return { kind: 'failed', code: SinkCodes.TLS_FAILED, message: `${name}: ${result.error.message}` };
        return { kind: 'retry', reason: result.error.code };
      }
      const { status, body: answer, headers: answerHeaders } = result.response;
      context.observer?.request(name, { status, bytes: body.byteLength, durationMs });
      if (status === 401) return { kind: 'auth-refused', status };
      if (status === 408 || status === 429 || status >= 500) {
        return {
          kind: 'retry',
          reason: `lookup ${status}`,
          retryAfterMs: parseRetryAfter(answerHeaders['retry-after'], now()),
        };
      }
      return { kind: 'answer', status, body: answer };
    });

  return async function send(request: LookupRequest, context: DeliveryContext): Promise<LookupResult> {
    let retryRound = 0;
    let refreshed = false;
    let troubled: string | undefined;
    for (;;) {
      const outcome = await attempt(request, context);
      if (outcome.kind === 'answer' || outcome.kind === 'failed') return outcome;
      if (outcome.kind === 'out-of-time') {
        return troubled === undefined
          ? {
              kind: 'failed',
              code: SinkCodes.DEADLINE,
              message: `${name}: no time left for the rollover lookup`,
            }
          : {
              kind: 'failed',
              code: SinkCodes.UNAVAILABLE,
              message: `${name} kept failing the rollover lookup (${troubled}); no time left for another attempt`,
            };
      }
      if (outcome.kind === 'auth-refused') {
        if (refreshed) {
          context.observer?.authFailure(name, outcome.status);
          return {
            kind: 'failed',
            code: SinkCodes.AUTH_FAILED,
            message: `${name} refused the credentials (HTTP ${outcome.status}) on the rollover lookup even after re-reading the secret. Fix: check the token/secret`,
          };
        }
        refreshed = true;
        try {
          await authorizer.refresh();
        } catch (error) {
          const code = error instanceof SluiceError ? error.code : SinkCodes.AUTH_UNAVAILABLE;
          return { kind: 'failed', code, message: `${name}: ${errorMessage(error)}` };
        }
        continue;
      }
      troubled = outcome.reason;
      const headroom = context.latency?.headroomMs(name) ?? 0;
      const plan = planRetry({
        attempt: retryRound,
        policy: options.retryPolicy,
        now: now(),
        deadline: context.deadline - headroom,
        retryAfterMs: outcome.retryAfterMs,
        random: options.random,
      });
      if (!plan.retry) {
        const why =
          plan.reason === 'deadline' ? 'the deadline is too close for another attempt' : 'retries exhausted';
        return {
          kind: 'failed',
          code: SinkCodes.UNAVAILABLE,
          message: `${name} kept failing the rollover lookup (${outcome.reason}); ${why}`,
        };
      }
      context.observer?.retry(name, { reason: outcome.reason, delayMs: plan.delayMs });
      await options.sleep(plan.delayMs);
      retryRound += 1;
    }
  };
}

export type LookupRequests = ReturnType<typeof createLookupRequests>;
