/**
 * How the ingest endpoint spends an invocation. API Gateway gives up on the function after 30 s and
 * answers 503 itself while the function may still be queueing events; the producer then sends them
 * again. Lambda ends a function at its timeout the same way. Either way the producer learns nothing
 * of what was queued and waits the whole time: the function must stop sending and answer first.
 */

/** API Gateway's integration timeout for an HTTP API (a quota that cannot be raised). */
export const API_GATEWAY_LIMIT_MS = 30_000;

/** Kept after sending stops, to log, publish metrics and answer. */
export const ANSWER_RESERVE_MS = 1_000;

/**
 * The SDK's standard retry strategy: up to 3 attempts and, after a timeout or a 5xx, at most
 * 100 ms × 2^n (jittered) before retry n: 600 ms in all (the SDK bundled now waits less). Its longer
 * waits after throttling are cut by the send deadline instead (see `sendDeadline`).
 */
export const SDK_ATTEMPTS = 3;
export const SDK_BACKOFF_MS = 200 + 400;

/** SQS answers in milliseconds; below 1 s a slow TLS handshake would already count as a failure. */
export const SHORTEST_REQUEST_TIMEOUT_MS = 1_000;
export const LONGEST_REQUEST_TIMEOUT_MS = 5_000;

/**
 * The function timeouts the endpoint accepts. Below 5 s the SDK's attempts of at least
 * `SHORTEST_REQUEST_TIMEOUT_MS` no longer fit before the answer; at 30 s API Gateway has already
 * given up.
 */
export const ENDPOINT_TIMEOUT_SECONDS = { min: 5, max: 29, default: 15 } as const;

/** The part of a `timeoutSeconds` invocation spent sending (or reading the token). */
export function sendWindowMs(timeoutSeconds: number): number {
  return Math.min(timeoutSeconds * 1000, API_GATEWAY_LIMIT_MS) - ANSWER_RESERVE_MS;
}

/**
 * How long one AWS request (SendMessageBatch, GetSecretValue) may go unanswered: the SDK's attempts
 * and its waits between them fit in the send window, at most 5 s each. 4.4 s at the default 15 s,
 * 1.1 s at 5 s. A timeout the function cannot know (not set) counts as the default.
 */
export function endpointRequestTimeoutMs(timeoutSeconds: number | undefined): number {
  const seconds =
    timeoutSeconds !== undefined && Number.isFinite(timeoutSeconds) && timeoutSeconds > 0
      ? timeoutSeconds
      : ENDPOINT_TIMEOUT_SECONDS.default;
  const perAttempt = Math.floor((sendWindowMs(seconds) - SDK_BACKOFF_MS) / SDK_ATTEMPTS);
  return Math.min(LONGEST_REQUEST_TIMEOUT_MS, Math.max(SHORTEST_REQUEST_TIMEOUT_MS, perAttempt));
}

/**
 * When this invocation stops sending: the answer reserve before the earlier of the function's end
 * (`remainingMs` from now, as Lambda reports it) and API Gateway's 30 s.
 */
export function sendDeadline(now: number, remainingMs: number): number {
  return now + Math.min(remainingMs, API_GATEWAY_LIMIT_MS) - ANSWER_RESERVE_MS;
}
