/**
 * How an invocation spends its time: read and send until 70% of what is left (at most 90 s before the
 * end), finish in-flight deliveries until 90% (at most 20 s before the end), and keep the rest to
 * write quarantine entries and continuation messages. Proportional, so short test timeouts behave
 * like long production ones.
 */
export function deadlinesFor(
  now: number,
  remainingMs: number,
): { stopReadingAt: number; deliveryDeadline: number } {
  const end = now + remainingMs;
  return {
    stopReadingAt: Math.max(now + remainingMs * 0.7, end - 90_000),
    deliveryDeadline: Math.max(now + remainingMs * 0.9, end - 20_000),
  };
}
