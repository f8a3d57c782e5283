/** The forwarder's timeout in seconds, set by the stack: Lambda tells a handler only its time left. */
export const FUNCTION_TIMEOUT_ENV = 'SLUICE_FUNCTION_TIMEOUT_SECONDS';

const LONGEST_IDLE_MS = 60_000;
const SHORTEST_IDLE_MS = 5_000;
/**
 * Reading stops at 70 % of an invocation's time and deliveries end at 90 % (deadlines.ts): a read
 * that stalls just before the first must fail before the second, or the invocation runs into its
 * timeout and its whole batch comes back (the finished messages too).
 */
const IDLE_SHARE_OF_TIMEOUT = 0.2;

/**
 * How long an S3 object stream may send nothing before the read fails (the SDK's `socketTimeout`,
 * an idle timeout on the socket): 60 s, or a fifth of a shorter function timeout (6 s at 30 s).
 */
export function s3IdleTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env[FUNCTION_TIMEOUT_ENV]);
  if (!Number.isFinite(seconds) || seconds <= 0) return LONGEST_IDLE_MS;
  return Math.min(
    LONGEST_IDLE_MS,
    Math.max(SHORTEST_IDLE_MS, Math.floor(seconds * 1000 * IDLE_SHARE_OF_TIMEOUT)),
  );
}

const LONGEST_QUEUE_REQUEST_MS = 5_000;
const SHORTEST_QUEUE_REQUEST_MS = 1_000;
/** The SDK's standard retry strategy makes up to 3 attempts. */
const SDK_ATTEMPTS = 3;

/**
 * How long one SQS request (a continuation, an early delete) may go unanswered. They are sent in the
 * time deadlines.ts keeps after deliveries end (a tenth of the invocation, at most 20 s): a stalled
 * request without a timeout would run the invocation into its timeout, and its whole batch, the
 * finished messages too, would come back. The SDK's attempts together fit in that reserve: a third of
 * it per attempt, between 1 s and 5 s (SQS answers in milliseconds).
 */
export function queueRequestTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env[FUNCTION_TIMEOUT_ENV]);
  if (!Number.isFinite(seconds) || seconds <= 0) return LONGEST_QUEUE_REQUEST_MS;
  const reserveMs = Math.min(seconds * 1000 * 0.1, 20_000);
  return Math.min(
    LONGEST_QUEUE_REQUEST_MS,
    Math.max(SHORTEST_QUEUE_REQUEST_MS, Math.floor(reserveMs / SDK_ATTEMPTS)),
  );
}

/**
 * The request handler settings of the forwarder's S3 and SQS clients. The SDK's node handler
 * (@smithy/node-http-handler 4.x) only logs a warning when `requestTimeout` passes and keeps
 * waiting unless `throwOnRequestTimeout` is set, and its `requestTimeout` ends once the answer's
 * headers arrive: an object stream that stalls mid-body is caught by `socketTimeout` (no byte for
 * that long, before or after the headers), an SQS request that is never answered by
 * `requestTimeout` with `throwOnRequestTimeout`.
 */
export function forwarderRequestHandlers(env: NodeJS.ProcessEnv) {
  return {
    s3: { socketTimeout: s3IdleTimeoutMs(env) },
    sqs: { requestTimeout: queueRequestTimeoutMs(env), throwOnRequestTimeout: true },
  } as const;
}
