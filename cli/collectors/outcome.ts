import type { RunOutcome } from '../../lambda/core/collectors/types';

/** One line for a run's outcome (`sluice collect`, `sluice pull --to-bucket`, the worker's log). */
export function describeOutcome(collector: string, outcome: RunOutcome): string {
  const wrote = `wrote ${outcome.recordsWritten} event(s), ${outcome.objectsWritten} new object(s)`;
  const newest = outcome.newestEventAt ? `; newest event ${outcome.newestEventAt}` : '';
  const why = outcome.code ? ` — ${outcome.code}: ${outcome.message ?? ''}`.trimEnd() : '';
  return `collector ${collector} ${outcome.status}: ${wrote}${newest}${why}`;
}
