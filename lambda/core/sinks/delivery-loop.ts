import { SluiceError, errorCode, errorMessage } from '../errors';
import type { HttpResponse, HttpTransport } from '../http/client';
import { gzipBody } from '../http/gzip';
import type { Limiter } from '../http/limiter';
import type { OutboundRecord } from '../records/types';
import { planRetry, parseRetryAfter, type RetryPolicy } from '../retry/backoff';
import type { Authorizer } from './auth';
import { retryAll, type Classification, type Records } from './classification';
import { SinkCodes } from './codes';
import { createIsolation } from './isolation';
import type { BatchOutcome, DeliveryContext, RejectedRecord } from './types';

/** The destination-specific half of a sink: how to write a request and how to read its answer. */
export interface SinkProtocol {
  readonly url: URL;
  readonly contentType: string;
  /** The request body (a string is UTF-8 encoded). */
  encode(batch: Records): Uint8Array | string;
  classify(response: HttpResponse, batch: Records): Classification;
}

export interface DeliveryLoopOptions {
  /** Destination name, for observer events and messages. */
  readonly name: string;
  readonly protocol: SinkProtocol;
  readonly transport: HttpTransport;
  readonly limiter: Limiter;
  readonly authorizer: Authorizer;
  readonly gzip: boolean;
  readonly requestTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

export type Deliver = (batch: Records, context: DeliveryContext) => Promise<BatchOutcome>;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The retrying delivery shared by every sink. It sends a batch, lets the protocol classify the answer,
 * and then: keeps what was delivered or rejected, resends split/tail groups at once, halves a request
 * whose content was refused until the records to blame are found (within a per-batch budget), retries the
 * `retry` subset after a jittered backoff (never earlier than Retry-After), re-reads credentials once on
 * 401/403, and stops before the deadline. It never throws for destination errors; every record of the
 * batch comes back in exactly one of delivered / rejected / failed.
 */
export function createDeliveryLoop(options: DeliveryLoopOptions): Deliver {
  const { name, protocol, transport, limiter, authorizer } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  /**
   * A whole-group retry resends identical bytes: they are kept (per deliver call, so a caller that reuses
   * its batch array never gets stale bytes) instead of being encoded and compressed again.
   */
  async function body(group: Records, bodies: Map<Records, Uint8Array>): Promise<Uint8Array> {
    const cached = bodies.get(group);
    if (cached) return cached;
    const encoded = protocol.encode(group);
    const raw = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
    const payload = options.gzip ? await gzipBody(raw) : raw;
    bodies.set(group, payload);
    return payload;
  }

  async function attempt(
    group: Records,
    context: DeliveryContext,
    bodies: Map<Records, Uint8Array>,
  ): Promise<Classification> {
    const payload = await body(group, bodies);
    const headers: Record<string, string> = {
      'content-type': protocol.contentType,
      'content-length': String(payload.byteLength),
      host: protocol.url.host,
    };
    if (options.gzip) headers['content-encoding'] = 'gzip';
    let authHeaders: Record<string, string>;
    try {
      authHeaders = await authorizer.headers({
        method: 'POST',
        url: protocol.url,
        headers,
        body: payload,
        deadline: context.deadline,
      });
    } catch (error) {
      const code = error instanceof SluiceError ? error.code : SinkCodes.AUTH_UNAVAILABLE;
      // An authorizer that fetches tokens (OAuth) can find its token endpoint busy: back off like a busy
      // destination. One that was refused the credentials counts as an authentication failure.
      if (error instanceof SluiceError && error.context.retryable === true)
        return retryAll(group, errorMessage(error));
      if (code === SinkCodes.AUTH_FAILED) {
        const status = error instanceof SluiceError ? error.context.status : undefined;
        context.observer?.authFailure(name, typeof status === 'number' ? status : 401);
      }
      return { delivered: [], rejected: [], retry: [], fatal: { code, message: errorMessage(error) } };
    }
    const started = now();
    // Never let a request outlive the deadline: the invocation must still report what happened.
    const timeoutMs = Math.max(1, Math.min(options.requestTimeoutMs, context.deadline - started));
    const result = await transport.request({
      method: 'POST',
      url: protocol.url,
      headers: { ...headers, ...authHeaders },
      body: payload,
      timeoutMs,
    });
    const durationMs = now() - started;
    if (!result.ok) {
      context.observer?.request(name, { status: 'network-error', bytes: payload.byteLength, durationMs });
      if (!result.error.retryable) {
        return {
          delivered: [],
          rejected: [],
          retry: [],
          fatal: { code: SinkCodes.TLS_FAILED, message: `${name}: ${result.error.message}` },
        };
      }
      return retryAll(group, result.error.code);
    }
    const { response } = result;
    context.observer?.request(name, { status: response.status, bytes: payload.byteLength, durationMs });
    const classification = protocol.classify(response, group);
    if (classification.retry.length > 0 && classification.retryAfterMs === undefined) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
      if (retryAfterMs !== undefined) return { ...classification, retryAfterMs };
    }
    return classification;
  }

  return async function deliver(batch, context) {
    const delivered: OutboundRecord[] = [];
    const rejected: RejectedRecord[] = [];
    const failed: OutboundRecord[] = [];
    let failure: BatchOutcome['failure'];
    const bodies = new Map<Records, Uint8Array>();
    const isolation = createIsolation(batch.length);

    let ready: Records[] = batch.length > 0 ? [batch] : [];
    let waiting: Records[] = [];
    let retryRound = 0;
    let credentialsRefreshed = false;
    /** Why records of this batch were last refused (a 5xx, 429, reset…), once any was. */
    let troubled: string | undefined;
    // Time kept before the deadline, from how long requests have been taking in this invocation.
    const headroom = () => context.latency?.headroomMs(name) ?? 0;

    const failEverything = (code: string, message: string, ...extra: Records[]): void => {
      for (const group of [...extra, ...ready, ...waiting]) failed.push(...group);
      ready = [];
      waiting = [];
      failure = { code, message };
    };

    while (ready.length > 0) {
      let retryAfterMs: number | undefined;
      let retryReason = '';
      while (ready.length > 0) {
        const group = ready.shift() as Records;
        let outcome: Classification | undefined;
        try {
          outcome = await limiter.run(async () => {
            // Checked inside the limiter: the slot may have been waited for.
            const begun = now();
            if (begun + headroom() >= context.deadline) return undefined;
            try {
              return await attempt(group, context, bodies);
            } finally {
              context.latency?.observe(name, now() - begun);
            }
          });
        } catch (error) {
          // A bug in an encoder or classifier must not lose the batch: report it as a failure.
          failEverything(errorCode(error), `${name}: ${errorMessage(error)}`, group);
          break;
        }
        // Halved here, not by the classifier: the request budget is the batch's, and a classifier
        // sees one answer. The halves are ordinary groups (retried on 429/5xx, stopped by the deadline).
        if (outcome?.refused) outcome = isolation.decide(group, outcome.refused);
        if (outcome === undefined) {
          // DELIVERY_DEADLINE says that no record of the batch was refused: the destination is not
          // to blame, the object was only out of time. Records refused before are the destination's.
          if (troubled === undefined) {
            failEverything(
              SinkCodes.DEADLINE,
              `${name}: no time left to send the batch before the deadline`,
              group,
            );
          } else {
            failEverything(
              SinkCodes.UNAVAILABLE,
              `${name} kept failing (${troubled || 'unknown'}); no time left for another attempt before the deadline`,
              group,
            );
          }
          break;
        }
        // Keep the bytes only while this exact group may be sent again.
        if (outcome.retry !== group && !outcome.authRefused) bodies.delete(group);
        delivered.push(...outcome.delivered);
        rejected.push(...outcome.rejected);

        if (outcome.authRefused) {
          if (!credentialsRefreshed) {
            // The secret may have been rotated since it was cached: read it again, once, and resend.
            credentialsRefreshed = true;
            try {
              await authorizer.refresh();
            } catch (error) {
              failEverything(errorCode(error), `${name}: ${errorMessage(error)}`, group);
              break;
            }
            ready.unshift(group);
            continue;
          }
          context.observer?.authFailure(name, outcome.authRefused.status);
          failEverything(
            SinkCodes.AUTH_FAILED,
            `${name} refused the credentials (HTTP ${outcome.authRefused.status}: ${outcome.authRefused.message}) even after re-reading the secret. Fix: check the token/secret and its permissions`,
            group,
          );
          break;
        }
        if (outcome.fatal) {
          failEverything(outcome.fatal.code, outcome.fatal.message, remainder(group, outcome));
          break;
        }
        if (outcome.resend && outcome.resend.length > 0) {
          context.observer?.retry(name, { reason: outcome.reason ?? 'resend', delayMs: 0 });
          // Depth first: finish the pieces of this group before the next group.
          ready.unshift(...outcome.resend.filter((piece) => piece.length > 0));
        }
        if (outcome.retry.length > 0) {
          waiting.push(outcome.retry);
          retryReason = outcome.reason ?? retryReason;
          troubled = retryReason;
          if (outcome.retryAfterMs !== undefined)
            retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.retryAfterMs);
        }
      }
      if (waiting.length === 0) break;

      const plan = planRetry({
        attempt: retryRound,
        policy: options.retryPolicy,
        now: now(),
        // The next attempt must also have time to finish.
        deadline: context.deadline - headroom(),
        retryAfterMs,
        random: options.random,
      });
      if (!plan.retry) {
        const why =
          plan.reason === 'deadline' ? 'the deadline is too close for another attempt' : 'retries exhausted';
        failEverything(SinkCodes.UNAVAILABLE, `${name} kept failing (${retryReason || 'unknown'}); ${why}`);
        break;
      }
      context.observer?.retry(name, { reason: retryReason || 'retry', delayMs: plan.delayMs });
      await sleep(plan.delayMs);
      retryRound += 1;
      ready = waiting;
      waiting = [];
    }

    return failure ? { delivered, rejected, failed, failure } : { delivered, rejected, failed };
  };
}

/** The records of `group` that a fatal answer left undecided. */
function remainder(group: Records, outcome: Classification): Records {
  if (outcome.delivered.length === 0 && outcome.rejected.length === 0) return group;
  const decided = new Set<OutboundRecord>(outcome.delivered);
  for (const rejection of outcome.rejected) decided.add(rejection.record);
  return group.filter((record) => !decided.has(record));
}
