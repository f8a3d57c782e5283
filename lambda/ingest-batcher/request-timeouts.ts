import {
  attemptTimeoutMs,
  boundedRequestHandler,
  functionTimeoutSecondsOf,
  SDK_ATTEMPTS,
} from '../adapters/request-bounds';

/** The stack's default batcher timeout (ingest.timeoutSeconds), for a function not told its own. */
const DEFAULT_TIMEOUT_SECONDS = 60;
/**
 * An attempt uploads a whole object (up to maxBytesPerObject, 100 MiB by default), so it gets at
 * least 2 s and up to a minute; in-region S3 takes well under a second per 10 MB.
 */
const LIMITS = { shortestMs: 2_000, longestMs: 60_000 } as const;

/**
 * How long one PutObject attempt of the batcher may stall (its socket idle, the answer awaited). A write that stalls without a timeout runs the function into its timeout and
 * the whole batch comes back, the messages whose objects were written too (duplicates). The SDK's 3
 * attempts fit in half the function's timeout: 10 s at the default 60 s, 2 s from 12 s down, 60 s
 * from 360 s. The other half is left for the writes queued behind it (8 at a time).
 */
export function batcherRequestTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = functionTimeoutSecondsOf(env) ?? DEFAULT_TIMEOUT_SECONDS;
  return attemptTimeoutMs((seconds * 1000) / 2, SDK_ATTEMPTS, LIMITS);
}

/**
 * The request handler settings of the batcher's S3 client. A stall (no byte sent or answered) fails
 * an attempt after `batcherRequestTimeoutMs`; the whole attempt, its upload included, may take up to
 * half the function's timeout, so a large object on a slow link is not cut off while it progresses.
 */
export function batcherRequestHandler(env: NodeJS.ProcessEnv) {
  const seconds = functionTimeoutSecondsOf(env) ?? DEFAULT_TIMEOUT_SECONDS;
  const idleMs = batcherRequestTimeoutMs(env);
  return boundedRequestHandler(Math.max(idleMs, (seconds * 1000) / 2), idleMs);
}
