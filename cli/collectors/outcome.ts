import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';
import type { RunOutcome } from '../../lambda/core/collectors/types';
import { errorMessage } from '../../lambda/core/errors';

/** One line for a run's outcome (`sluice collect`, `sluice pull --to-bucket`, the worker's log). */
export function describeOutcome(collector: string, outcome: RunOutcome): string {
  const wrote = `wrote ${outcome.recordsWritten} event(s), ${outcome.objectsWritten} new object(s)`;
  const newest = outcome.newestEventAt ? `; newest event ${outcome.newestEventAt}` : '';
  const why = outcome.code ? ` — ${outcome.code}: ${outcome.message ?? ''}`.trimEnd() : '';
  return `collector ${collector} ${outcome.status}: ${wrote}${newest}${why}`;
}

/**
 * Where the next run of a stopped `sluice collect` starts, read back from the table (what the run
 * committed, not what it meant to). A failed read does not fail the run that wrote: it says so.
 */
export async function resumePoint(
  collector: string,
  read: () => Promise<CollectorState | undefined>,
): Promise<{ since: string | null; text: string }> {
  try {
    const since = (await read())?.checkpoint?.since ?? null;
    return {
      since,
      text: since
        ? `the next run resumes from ${since}`
        : 'no checkpoint yet: the next run starts firstRunDays back',
    };
  } catch (error) {
    return {
      since: null,
      text: `where the next run resumes is unknown (${errorMessage(error)}): sluice collect checkpoint ${collector} shows it`,
    };
  }
}
