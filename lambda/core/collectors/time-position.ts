import type { RecordTimestamp } from '../records/types';
import { compareTimestamps, timestampFromMillis } from './instant';
import type { WrittenEntry } from './written-ids';

export interface TimePositionInput {
  /** Where this run's query started: everything written at or after it is in `carried` or `written`. */
  readonly start: RecordTimestamp;
  /** The entries of the run's starting checkpoint. */
  readonly carried: readonly WrittenEntry[];
  /** The entries of the events this run wrote. */
  readonly written: readonly WrittenEntry[];
  /** The newest time this run wrote, never past its clock; undefined if it wrote nothing. */
  readonly boundary?: RecordTimestamp;
  /** The oldest event fetched but not written yet (the API returns events oldest first). */
  readonly firstPending?: RecordTimestamp;
  readonly lookbackMs: number;
  readonly maxEntries: number;
}

const secondOf = (at: RecordTimestamp): number => Math.floor(at.epochMillis / 1000);
const earlier = (a: RecordTimestamp, b: RecordTimestamp) => (compareTimestamps(a, b) <= 0 ? a : b);
const later = (a: RecordTimestamp, b: RecordTimestamp) => (compareTimestamps(a, b) >= 0 ? a : b);

/**
 * Where a run resuming by time starts next, and the events it must skip there: the newest time
 * written less the lookback (so that events the API indexes late, up to the lookback, are still
 * found), and every event written at or after that point, so none of them is written twice.
 *
 * The resume point never goes back before `start` (the ids before it are not known), never past
 * an event fetched but not written (it would be skipped), and never past `boundary` (the API may
 * still add events up to it). When more entries would be kept than `maxEntries`, the oldest are
 * dropped and the resume point moves past them if those bounds allow: late events that old are then
 * missed, as without a lookback; if the bounds do not allow it, those events may be written again.
 */
export function timePosition(input: TimePositionInput): {
  since: RecordTimestamp;
  written: WrittenEntry[];
} {
  const { start, boundary, firstPending, lookbackMs, maxEntries } = input;
  let since = start;
  if (boundary) {
    const back = lookbackMs === 0 ? boundary : timestampFromMillis(boundary.epochMillis - lookbackMs);
    since = later(since, back);
  }
  if (firstPending) since = earlier(since, firstPending);
  const entries = [...input.carried, ...input.written]
    .filter((entry) => entry.second >= secondOf(since))
    .sort((a, b) => a.second - b.second);
  if (entries.length > maxEntries) {
    const lastDropped = entries[entries.length - maxEntries - 1].second;
    let ceiling = boundary ? later(boundary, start) : start;
    if (firstPending) ceiling = earlier(ceiling, firstPending);
    since = later(since, earlier(timestampFromMillis((lastDropped + 1) * 1000), ceiling));
  }
  return {
    since,
    written: keepNewest(
      entries.filter((entry) => entry.second >= secondOf(since)),
      maxEntries,
    ),
  };
}

/** The last `count` entries (`slice(-0)` would keep them all). */
export function keepNewest<T>(entries: readonly T[], count: number): T[] {
  return entries.slice(Math.max(0, entries.length - count));
}
