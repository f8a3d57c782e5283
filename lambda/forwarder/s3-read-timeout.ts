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
 * How long an S3 object stream may send nothing before the read fails (the SDK's `requestTimeout`,
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
