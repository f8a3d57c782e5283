import type { S3Client } from '@aws-sdk/client-s3';
import type { TimeRange } from '../../lambda/core/layout/key-pattern';
import { planListing, type ListingSource } from './layout-listing';

/**
 * Log types asked for (`--log-type`) under which no object of the range was found, with the log
 * types the sources do hold: most often a typo, which would otherwise read as "nothing there".
 */
export interface UnmatchedLogTypes {
  readonly requested: readonly string[];
  readonly found: readonly string[];
}

/**
 * The requested log types not in `seen` (those of the objects the run took), with the log types the
 * sources hold whatever the range (their folders listed again: asked only to explain a miss).
 * Undefined when every one was seen. Only meaningful for a run that went through the whole range.
 */
export async function unmatchedLogTypes(
  s3: S3Client,
  bucket: string,
  sources: readonly ListingSource[],
  range: TimeRange,
  requested: readonly string[] | undefined,
  seen: ReadonlySet<string>,
): Promise<UnmatchedLogTypes | undefined> {
  const unmatched = [...new Set(requested ?? [])].filter((logType) => !seen.has(logType));
  if (unmatched.length === 0) return undefined;
  const found = new Set<string>();
  for (const source of sources) {
    for (const logType of (await planListing(s3, bucket, source, range)).logTypes) found.add(logType);
  }
  return { requested: unmatched, found: [...found].sort() };
}

/** The warning `sluice replay` and `sluice detect backtest` give for each log type unmatched. */
export function unmatchedLogTypeWarnings(
  unmatched: UnmatchedLogTypes | undefined,
): { readonly message: string; readonly logType: string }[] {
  return (unmatched?.requested ?? []).map((logType) => ({
    logType,
    message: `--log-type ${logType}: no object of this log type was found in the range. Fix: check the name (the log types there: ${unmatched!.found.join(', ') || 'none found'})`,
  }));
}
