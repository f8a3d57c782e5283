import { errorMessage, SluiceError } from '../../errors';
import { planRetry, type RetryPolicy } from '../../retry/backoff';
import type { ChannelResult } from './channel';
import { AlertRoutingCodes, retryLater, type AlertRoutingCode } from './codes';
import type { ChannelVerdict } from './verdict';

/**
 * Alerts are few and small: a short first wait, and few rounds, because the deadline (the forwarder's
 * remaining time) usually ends things first and a later invocation sends the alert again.
 */
export const ALERT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetries: 5,
});

export interface SenderOptions {
  readonly policy?: RetryPolicy;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Told about every wait before a retry (logs and metrics). */
  readonly onRetry?: (info: { readonly reason: string; readonly delayMs: number }) => void;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const OWN_CODES = new Set<string>(Object.values(AlertRoutingCodes));

/** An alert not delivered, kept to send again later unless its code says the channel refused it for good. */
export function undelivered(attempts: number, code: AlertRoutingCode, message: string): ChannelResult {
  return { delivered: false, attempts, code, message, retryLater: retryLater(code) };
}

/**
 * Sends one alert to one channel: `attempt` makes one request (given the time left) and its classifier's
 * verdict decides. Retries wait a jittered backoff, never less than the channel's Retry-After, and stop
 * when the next attempt could not start before the deadline: a Retry-After past the deadline ends it at
 * once rather than holding the invocation. An answer that blames the credential makes the sender re-read
 * the secret once (`refresh`) and try again straight away.
 */
export async function sendWithRetries(
  channel: string,
  attempt: (remainingMs: number) => Promise<ChannelVerdict>,
  deadline: number,
  options: SenderOptions = {},
  refresh?: () => Promise<void>,
): Promise<ChannelResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const policy = options.policy ?? ALERT_RETRY_POLICY;
  let attempts = 0;
  let round = 0;
  let refreshed = false;
  let troubled: { readonly reason: string; readonly code?: AlertRoutingCode } | undefined;

  for (;;) {
    const started = now();
    if (started >= deadline) {
      return troubled
        ? undelivered(
            attempts,
            troubled.code ?? AlertRoutingCodes.UNAVAILABLE,
            `${channel} kept failing (${troubled.reason}); no time left for another attempt before the deadline`,
          )
        : undelivered(attempts, AlertRoutingCodes.DEADLINE, `${channel}: no time left to send the alert`);
    }
    attempts += 1;
    let verdict: ChannelVerdict;
    try {
      verdict = await attempt(deadline - started);
    } catch (error) {
      // A bug in an encoder or classifier must not escape: the alert is reported as not sent.
      const code =
        error instanceof SluiceError && OWN_CODES.has(error.code)
          ? (error.code as AlertRoutingCode)
          : AlertRoutingCodes.FAILED;
      return undelivered(attempts, code, `${channel}: ${errorMessage(error)}`);
    }
    if (verdict.kind === 'delivered') return { delivered: true, attempts };
    if (verdict.kind === 'give-up') {
      if (verdict.credentialsSuspect && refresh && !refreshed) {
        refreshed = true;
        try {
          await refresh();
        } catch (error) {
          return undelivered(
            attempts,
            AlertRoutingCodes.SECRET_UNREADABLE,
            `${channel}: ${errorMessage(error)}`,
          );
        }
        continue;
      }
      return undelivered(attempts, verdict.code, `${channel}: ${verdict.message}`);
    }
    troubled = { reason: verdict.reason, code: verdict.code };
    const plan = planRetry({
      attempt: round,
      policy,
      now: now(),
      deadline,
      retryAfterMs: verdict.retryAfterMs,
      random: options.random,
    });
    round += 1;
    if (!plan.retry) {
      const why =
        plan.reason === 'retries-exhausted'
          ? `gave up after ${attempts} attempts`
          : verdict.retryAfterMs !== undefined && now() + verdict.retryAfterMs >= deadline
            ? `it asked to wait ${Math.ceil(verdict.retryAfterMs / 1000)} s (Retry-After), past the deadline`
            : 'no time left for another attempt before the deadline';
      return undelivered(
        attempts,
        verdict.code ?? AlertRoutingCodes.UNAVAILABLE,
        `${channel} kept failing (${verdict.reason}); ${why}`,
      );
    }
    options.onRetry?.({ reason: verdict.reason, delayMs: plan.delayMs });
    await sleep(plan.delayMs);
  }
}
