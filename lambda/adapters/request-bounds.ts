/**
 * Request timeouts for sluice's AWS SDK clients. The SDK's node handler (@smithy/node-http-handler
 * 4.x) sets none by default, only logs a warning when `requestTimeout` passes unless
 * `throwOnRequestTimeout` is set, and ends `requestTimeout` once the answer's headers arrive: a
 * request that is never answered hangs until the function's timeout (or forever, in the CLI), and
 * an answer whose body stalls is caught only by `socketTimeout` (no byte sent or received for that
 * long). Each function derives its bounds from its own deadlines (its request-timeouts.ts).
 */

/** The function's timeout in seconds, set by the stack: Lambda tells a handler only its time left. */
export const FUNCTION_TIMEOUT_ENV = 'SLUICE_FUNCTION_TIMEOUT_SECONDS';

/** Attempts the SDK's standard retry strategy makes by default; DynamoDB's client makes 4. */
export const SDK_ATTEMPTS = 3;
export const DYNAMODB_ATTEMPTS = 4;

/** The function timeout the stack set, or undefined when it is missing or not a positive number. */
export function functionTimeoutSecondsOf(env: NodeJS.ProcessEnv): number | undefined {
  const seconds = Number(env[FUNCTION_TIMEOUT_ENV]);
  return env[FUNCTION_TIMEOUT_ENV] && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

export interface AttemptLimits {
  /** Below this, a slow TLS handshake alone would count as a stall. */
  readonly shortestMs: number;
  readonly longestMs: number;
}

/** The time of one attempt when all `attempts` of a request must fit in `windowMs`, within limits. */
export function attemptTimeoutMs(windowMs: number, attempts: number, limits: AttemptLimits): number {
  return Math.min(limits.longestMs, Math.max(limits.shortestMs, Math.floor(windowMs / attempts)));
}

/** What a client's `requestHandler` is given (the node handler's constructor options). */
export interface BoundedRequestHandler {
  readonly requestTimeout: number;
  readonly throwOnRequestTimeout: true;
  readonly socketTimeout: number;
}

/**
 * `requestTimeout` fails an attempt that has no answer's headers after `requestTimeoutMs` (the
 * connection, the request's body and the wait included); `socketTimeout` one whose socket is idle
 * for `idleTimeoutMs` (an answer's body that stalls). Default idle: the request timeout, which only
 * matters for answers streamed after their headers (S3 objects get their own).
 */
export function boundedRequestHandler(
  requestTimeoutMs: number,
  idleTimeoutMs: number = requestTimeoutMs,
): BoundedRequestHandler {
  return { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true, socketTimeout: idleTimeoutMs };
}
