import {
  attemptTimeoutMs,
  boundedRequestHandler,
  DYNAMODB_ATTEMPTS,
  FUNCTION_TIMEOUT_ENV,
  functionTimeoutSecondsOf,
  SDK_ATTEMPTS,
} from '../adapters/request-bounds';

export { FUNCTION_TIMEOUT_ENV };

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
  const seconds = functionTimeoutSecondsOf(env);
  if (seconds === undefined) return LONGEST_IDLE_MS;
  return Math.min(
    LONGEST_IDLE_MS,
    Math.max(SHORTEST_IDLE_MS, Math.floor(seconds * 1000 * IDLE_SHARE_OF_TIMEOUT)),
  );
}

/**
 * AWS answers these requests in milliseconds, a new TLS connection included: 750 ms lets DynamoDB's
 * 4 attempts end in the 3 s reserve of the shortest timeout (30 s); 5 s is a stall.
 */
const REQUEST_LIMITS = { shortestMs: 750, longestMs: 5_000 } as const;

/**
 * How long one attempt of a short AWS request (SQS, Secrets Manager, DynamoDB, SNS) may go
 * unanswered when the client makes `attempts`. Continuations and early deletes are sent in the time
 * deadlines.ts keeps after deliveries end (a tenth of the invocation, at most 20 s); secrets, the
 * detection table and the alert topic are read and written while deliveries run, which end at that
 * same reserve. A stalled request without a timeout would run the invocation into its timeout, and
 * its whole batch, the finished messages too, would come back. All attempts together fit in the
 * reserve, at most 5 s each: at 30 s, 1 s (SQS, Secrets Manager: 3 attempts), 750 ms (DynamoDB: 4)
 * and 3 s (SNS: 1). A timeout the function cannot know (not set) gives 5 s.
 */
export function reserveRequestTimeoutMs(env: NodeJS.ProcessEnv, attempts: number): number {
  const seconds = functionTimeoutSecondsOf(env);
  if (seconds === undefined) return REQUEST_LIMITS.longestMs;
  const reserveMs = Math.min(seconds * 1000 * 0.1, 20_000);
  return attemptTimeoutMs(reserveMs, attempts, REQUEST_LIMITS);
}

/** One SQS request (a continuation, an early delete): the SDK's 3 attempts fit in the reserve. */
export function queueRequestTimeoutMs(env: NodeJS.ProcessEnv): number {
  return reserveRequestTimeoutMs(env, SDK_ATTEMPTS);
}

/**
 * The request handler settings of the forwarder's clients. An object stream that stalls mid-body is
 * caught by `socketTimeout` (no byte for that long, before or after the headers); every other
 * request by `requestTimeout`, which throws (see request-bounds.ts). SNS sends one attempt
 * (the alert sender retries within its deadline itself).
 */
export function forwarderRequestHandlers(env: NodeJS.ProcessEnv) {
  const idleMs = s3IdleTimeoutMs(env);
  return {
    s3: boundedRequestHandler(idleMs, idleMs),
    sqs: boundedRequestHandler(queueRequestTimeoutMs(env)),
    secretsManager: boundedRequestHandler(reserveRequestTimeoutMs(env, SDK_ATTEMPTS)),
    dynamodb: boundedRequestHandler(reserveRequestTimeoutMs(env, DYNAMODB_ATTEMPTS)),
    sns: boundedRequestHandler(reserveRequestTimeoutMs(env, 1)),
  } as const;
}
