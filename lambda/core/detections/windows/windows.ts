import { meetsThreshold, type CorrelationType, type Threshold } from '../sigma/types';
import type { Contribution } from './store';

/**
 * Which windows of a correlation are met, computed from the contributions alone (never from the
 * order they arrived in). A window is a span [start, start + timespan) of event time; its count is
 * the number of contributions in it (event_count) or of distinct values among them (value_count).
 *
 * For a candidate contribution (one just read), the answer is about the windows that contain it:
 * the best one (largest count, earliest on ties) and the union of all those that meet the
 * threshold. Why this is order-independent: any met window W has a member that was read last; when
 * it was read, every other member of W was already stored, so W was found then. Counts only grow
 * as records arrive, so a window found met stays met. Hence the union of members found over a
 * stream is the union of all met windows of the final set, in whatever order and with whatever
 * redeliveries the records came.
 *
 * It suffices to look at windows starting at a contribution's event time: sliding any window right
 * to its first member loses nothing.
 */

export interface WindowSpec {
  readonly type: CorrelationType;
  readonly timespanMs: number;
  readonly threshold: Threshold;
}

/** Index ranges [start, end) into the sorted contributions (slicing is left to whoever needs the members). */
export interface CandidateWindows {
  /** The count of the best window containing the candidate (met, else nothing is returned for it). */
  readonly count: number;
  /** That best window. */
  readonly bestStart: number;
  readonly bestEnd: number;
  /** Every met window containing the candidate, together: a contiguous run, since they all contain it. */
  readonly membersStart: number;
  readonly membersEnd: number;
}

export interface MetWindows {
  /** The contributions, unique by record id, by event time then id. */
  readonly sorted: readonly Contribution[];
  /** Per candidate id in a met window, its windows; candidates in none are absent. */
  readonly candidates: ReadonlyMap<string, CandidateWindows>;
}

function byTimeThenId(a: Contribution, b: Contribution): number {
  return a.ref.eventTimeMs - b.ref.eventTimeMs || (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0);
}

/** Unique by record id (a contribution both stored and in hand counts once), sorted by event time. */
export function sortContributions(contributions: Iterable<Contribution>): Contribution[] {
  const unique = new Map<string, Contribution>();
  for (const contribution of contributions)
    if (!unique.has(contribution.ref.id)) unique.set(contribution.ref.id, contribution);
  return [...unique.values()].sort(byTimeThenId);
}

/** For each candidate id present in `contributions`, its met windows. */
export function metWindows(
  contributions: Iterable<Contribution>,
  spec: WindowSpec,
  candidateIds: ReadonlySet<string>,
): MetWindows {
  const sorted = sortContributions(contributions);
  const n = sorted.length;
  const time = sorted.map((contribution) => contribution.ref.eventTimeMs);
  const span = spec.timespanMs;

  // end[i]: first index outside the window starting at time[i]; metric[i]: its count.
  const end = new Array<number>(n);
  const metric = new Array<number>(n);
  const values = new Map<string, number>();
  for (let i = 0, j = 0; i < n; i += 1) {
    while (j < n && time[j] < time[i] + span) {
      const value = sorted[j].value;
      if (value !== undefined) values.set(value, (values.get(value) ?? 0) + 1);
      j += 1;
    }
    end[i] = j;
    metric[i] = spec.type === 'event_count' ? j - i : values.size;
    const value = sorted[i].value;
    if (value !== undefined) {
      const left = values.get(value)! - 1;
      if (left === 0) values.delete(value);
      else values.set(value, left);
    }
  }
  // Windows start at the first contribution of each distinct event time (later ones would miss their equals).
  const isStart = time.map((t, i) => i === 0 || time[i - 1] < t);
  const met = metric.map((count, i) => isStart[i] && meetsThreshold(spec.threshold, count));
  const nextMet = new Array<number>(n + 1).fill(n);
  for (let i = n - 1; i >= 0; i -= 1) nextMet[i] = met[i] ? i : nextMet[i + 1];
  const previousMet = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i += 1) previousMet[i] = met[i] ? i : i > 0 ? previousMet[i - 1] : -1;

  const candidates = new Map<string, CandidateWindows>();
  // Sweep: the starts of windows containing position p are those with time in (time[p] - span, time[p]].
  const deque = new Array<number>(n);
  let head = 0;
  let tail = 0;
  let pushed = 0; // next index to consider as a start
  let firstInRange = 0; // first index with time > time[p] - span
  for (let p = 0; p < n; p += 1) {
    while (pushed < n && time[pushed] <= time[p]) {
      if (isStart[pushed]) {
        while (tail > head && metric[deque[tail - 1]] < metric[pushed]) tail -= 1;
        deque[tail] = pushed;
        tail += 1;
      }
      pushed += 1;
    }
    while (tail > head && time[deque[head]] <= time[p] - span) head += 1;
    while (time[firstInRange] <= time[p] - span) firstInRange += 1;
    const id = sorted[p].ref.id;
    if (!candidateIds.has(id) || tail === head) continue;
    const best = deque[head];
    if (!met[best]) continue; // the best window containing p is not met, so none is
    candidates.set(id, {
      count: metric[best],
      bestStart: best,
      bestEnd: end[best],
      membersStart: nextMet[firstInRange],
      membersEnd: end[previousMet[pushed - 1]],
    });
  }
  return { sorted, candidates };
}
