/**
 * When to try again. Exponential backoff with "full jitter" (a uniformly random delay between 0 and the
 * exponential ceiling) spreads the retries of many concurrent Lambdas, so a destination that recovers is
 * not hit by a synchronized wave. Randomness and the clock are injected so tests are deterministic.
 */

export interface RetryPolicy {
  /** Ceiling of the first retry's delay. */
  readonly baseDelayMs: number;
  /** No computed delay exceeds this (a server's Retry-After may ask for more, see `planRetry`). */
  readonly maxDelayMs: number;
  /** Backoff rounds per delivery before giving up; the deadline usually ends things first. */
  readonly maxRetries: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxRetries: 8,
});

/** Full-jitter delay for the `attempt`-th retry (0-based): random in [0, min(max, base * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  // 2 ** 31 already dwarfs any sane cap; clamping the exponent keeps the arithmetic finite.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(Math.max(attempt, 0), 31));
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.floor(unit * ceiling);
}

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): delta-seconds (`120`) or an HTTP-date.
 * Returns milliseconds to wait from `now` (never negative), or undefined when absent or unreadable.
 */
export function parseRetryAfter(
  header: string | readonly string[] | undefined,
  now: number,
): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only accept something that looks like a date: Date.parse is lenient enough to read "1.5" as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export type RetryPlan =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'deadline' | 'retries-exhausted' };

export interface RetryPlanInput {
  /** 0 for the first retry. */
  readonly attempt: number;
  readonly policy: RetryPolicy;
  readonly now: number;
  /** Epoch ms after which no new attempt may start. */
  readonly deadline: number;
  /** What the server asked for, if anything: honoured even above the policy's cap. */
  readonly retryAfterMs?: number;
  readonly random?: () => number;
}

/**
 * Decides the next delay, or gives up when the retry budget is spent or when waiting would start the
 * next attempt after the deadline (better to hand the records back to SQS than to be killed mid-request).
 */
export function planRetry(input: RetryPlanInput): RetryPlan {
  if (input.attempt >= input.policy.maxRetries) return { retry: false, reason: 'retries-exhausted' };
  const jittered = backoffDelay(input.attempt, input.policy, input.random);
  const delayMs = Math.max(jittered, input.retryAfterMs ?? 0);
  if (input.now + delayMs >= input.deadline) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs };
}
