/**
 * How a run spends its time: it fetches until 80% of what is left (at most 60 s and at least 5 s
 * before the end), then writes what it holds and moves the checkpoint. Proportional, so short test
 * budgets behave like long production ones.
 */
export function fetchDeadline(now: number, remainingMs: number): number {
  return now + Math.max(0, remainingMs - writeMarginMs(remainingMs));
}

/** The time a run keeps after fetching to write its objects and move its checkpoint. */
export function writeMarginMs(remainingMs: number): number {
  return Math.min(60_000, Math.max(5_000, remainingMs * 0.2));
}

/**
 * How long a run's lease lasts: longer than the run may take (its budget), so that only a run that
 * died lets its lease expire; the next scheduled run after that takes it over.
 */
export function leaseMsFor(runTimeoutSeconds: number): number {
  return runTimeoutSeconds * 1000 + 60_000;
}
