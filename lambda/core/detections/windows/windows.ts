import { meetsThreshold, type CorrelationType, type Threshold } from '../sigma/types';
import type { Contribution } from './store';

/**
 * Which windows of a correlation are met, computed from the contributions alone (never from the
 * order they arrived in). A window is a span [start, start + timespan) of event time; its count is
 * the number of contributions in it (event_count) or of distinct values among them (value_count).
 * It suffices to look at windows starting at a contribution's event time: sliding any window right
 * to its first member loses nothing.
 *
 * The candidates are the contributions just read (a batch); the others were stored before. What an
 * evaluation reports, and why it is order-independent:
 *
 * * For each candidate in a met window: the best window containing it (largest count, earliest on
 *   ties) and the run of every met window containing it (a contiguous run, since all contain it).
 * * The members to register: every candidate in a met window, and every stored contribution in a
 *   met window that no window met by the stored contributions alone contains.
 *
 * Claim: after each batch, every member of every met window of the records read so far has been
 * registered. A stored member of a met window is either in a window met by the stored contributions
 * alone, which was met by what was read before this batch (counts only grow), so that member was
 * registered then (induction); or it is registered now. Candidates in met windows are registered
 * now. Hence the union of members registered over a stream is the union of all met windows of the
 * final set, whatever the order, batching and redeliveries; and a long burst registers each record
 * about once, not once per batch whose windows reach back to it. (It relies on the caller
 * registering every batch it counted, and counting again a batch it did not finish: see
 * DetectionEngine.)
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

export interface WindowEvaluation {
  /** Per candidate in a met window, by position: its windows. Candidates in none are absent. */
  readonly candidates: readonly (CandidateWindows & { readonly position: number })[];
  /** Positions of the contributions to register (see above), ascending. */
  readonly members: readonly number[];
}

/**
 * The work arrays of an evaluation, kept from one call to the next (evaluation is synchronous, so
 * no two use them at once): counting a group allocates only what it returns. Each grows to the
 * largest evaluation seen; values past `n` are stale and never read.
 */
class Scratch {
  time = new Float64Array(0);
  /** First position past the window starting at i. */
  end = new Int32Array(0);
  /** The window's count over all contributions, and over the stored ones (candidates left out). */
  metric = new Int32Array(0);
  stored = new Int32Array(0);
  /** event_count: stored contributions before position i. */
  storedBefore = new Int32Array(0);
  /** Bit 1: a window starts at i (first of its event time); bit 2: that window is met. */
  flags = new Uint8Array(0);
  nextMet = new Int32Array(0);
  previousMet = new Int32Array(0);
  /** Monotonic queues of window starts, by count over all and over stored contributions. */
  best = new Int32Array(0);
  bestStored = new Int32Array(0);

  ensure(n: number): this {
    if (this.time.length > n) return this;
    const size = Math.max(1024, 2 ** Math.ceil(Math.log2(n + 1)));
    this.time = new Float64Array(size);
    this.end = new Int32Array(size);
    this.metric = new Int32Array(size);
    this.stored = new Int32Array(size);
    this.storedBefore = new Int32Array(size);
    this.flags = new Uint8Array(size);
    this.nextMet = new Int32Array(size);
    this.previousMet = new Int32Array(size);
    this.best = new Int32Array(size);
    this.bestStored = new Int32Array(size);
    return this;
  }
}

const scratch = new Scratch();
const START = 1;
const MET = 2;

/** Fills `end`, `metric` and `stored` for every window start (see Scratch). */
function countWindows(
  sorted: readonly Contribution[],
  work: Scratch,
  candidate: Uint8Array,
  spec: WindowSpec,
): void {
  const n = sorted.length;
  const span = spec.timespanMs;
  const { time, end, metric, stored } = work;
  if (spec.type === 'event_count') {
    const { storedBefore } = work;
    storedBefore[0] = 0;
    for (let i = 0; i < n; i += 1) storedBefore[i + 1] = storedBefore[i] + (candidate[i] ? 0 : 1);
    for (let i = 0, j = 0; i < n; i += 1) {
      while (j < n && time[j] < time[i] + span) j += 1;
      end[i] = j;
      metric[i] = j - i;
      stored[i] = storedBefore[j] - storedBefore[i];
    }
    return;
  }
  // value_count: distinct values in the window, kept by two sliding counters (all, stored only).
  const all = new Map<string, number>();
  const old = new Map<string, number>();
  const enter = (values: Map<string, number>, value: string) =>
    values.set(value, (values.get(value) ?? 0) + 1);
  const leave = (values: Map<string, number>, value: string) => {
    const left = values.get(value)! - 1;
    if (left === 0) values.delete(value);
    else values.set(value, left);
  };
  for (let i = 0, j = 0; i < n; i += 1) {
    while (j < n && time[j] < time[i] + span) {
      const value = sorted[j].value;
      if (value !== undefined) {
        enter(all, value);
        if (!candidate[j]) enter(old, value);
      }
      j += 1;
    }
    end[i] = j;
    metric[i] = all.size;
    stored[i] = old.size;
    const value = sorted[i].value;
    if (value !== undefined) {
      leave(all, value);
      if (!candidate[i]) leave(old, value);
    }
  }
}

/**
 * Evaluates the windows of `sorted` (unique by record id, by event time then id) for the
 * contributions flagged in `candidate` (same positions). Linear in the contributions.
 */
export function evaluateWindows(
  sorted: readonly Contribution[],
  candidate: Uint8Array,
  spec: WindowSpec,
): WindowEvaluation {
  const n = sorted.length;
  const span = spec.timespanMs;
  const work = scratch.ensure(n);
  const { time, end, metric, stored, flags, nextMet, previousMet, best, bestStored } = work;
  for (let i = 0; i < n; i += 1) time[i] = sorted[i].ref.eventTimeMs;
  countWindows(sorted, work, candidate, spec);
  // Windows start at the first contribution of each distinct event time (later ones would miss their equals).
  for (let i = 0; i < n; i += 1) {
    if (i > 0 && time[i - 1] >= time[i]) flags[i] = 0;
    else flags[i] = meetsThreshold(spec.threshold, metric[i]) ? START | MET : START;
  }
  nextMet[n] = n;
  for (let i = n - 1; i >= 0; i -= 1) nextMet[i] = flags[i] & MET ? i : nextMet[i + 1];
  for (let i = 0; i < n; i += 1) previousMet[i] = flags[i] & MET ? i : i > 0 ? previousMet[i - 1] : -1;

  const candidates: (CandidateWindows & { position: number })[] = [];
  const members: number[] = [];
  // Sweep: the starts of windows containing position p are those with time in (time[p] - span, time[p]].
  // Two monotonic queues keep the largest count among them, over all contributions and over the stored ones.
  let head = 0;
  let tail = 0;
  let storedHead = 0;
  let storedTail = 0;
  let pushed = 0; // next index to consider as a start
  let firstInRange = 0; // first index with time > time[p] - span
  for (let p = 0; p < n; p += 1) {
    while (pushed < n && time[pushed] <= time[p]) {
      if (flags[pushed] & START) {
        while (tail > head && metric[best[tail - 1]] < metric[pushed]) tail -= 1;
        best[tail] = pushed;
        tail += 1;
        while (storedTail > storedHead && stored[bestStored[storedTail - 1]] < stored[pushed])
          storedTail -= 1;
        bestStored[storedTail] = pushed;
        storedTail += 1;
      }
      pushed += 1;
    }
    while (tail > head && time[best[head]] <= time[p] - span) head += 1;
    while (storedTail > storedHead && time[bestStored[storedHead]] <= time[p] - span) storedHead += 1;
    while (time[firstInRange] <= time[p] - span) firstInRange += 1;
    // The best window containing p is met exactly when some window containing p is (thresholds are lower bounds).
    if (tail === head || (flags[best[head]] & MET) === 0) continue;
    if (candidate[p]) {
      const start = best[head];
      candidates.push({
        position: p,
        count: metric[start],
        bestStart: start,
        bestEnd: end[start],
        membersStart: nextMet[firstInRange],
        membersEnd: end[previousMet[pushed - 1]],
      });
      members.push(p);
    } else if (storedTail === storedHead || !meetsThreshold(spec.threshold, stored[bestStored[storedHead]])) {
      members.push(p);
    }
  }
  return { candidates, members };
}

function byTimeThenId(a: Contribution, b: Contribution): number {
  return a.ref.eventTimeMs - b.ref.eventTimeMs || (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0);
}

/** Unique by record id (a contribution both stored and in hand counts once), sorted by event time then id. */
export function sortContributions(contributions: Iterable<Contribution>): Contribution[] {
  const unique = new Map<string, Contribution>();
  for (const contribution of contributions)
    if (!unique.has(contribution.ref.id)) unique.set(contribution.ref.id, contribution);
  return [...unique.values()].sort(byTimeThenId);
}

/**
 * Merges a batch into what the store holds: sorted by event time then id, unique by record id (a
 * batch contribution the store already holds, e.g. just added, appears once), with the batch's
 * positions flagged as candidates. Linear when the stored contributions come by time (as both
 * stores give them).
 */
export function mergeBatch(
  batch: readonly Contribution[],
  stored: readonly Contribution[],
): { sorted: Contribution[]; candidate: Uint8Array } {
  const ours = [...batch].sort(byTimeThenId);
  let theirs = stored;
  for (let i = 1; i < stored.length; i += 1) {
    if (byTimeThenId(stored[i - 1], stored[i]) > 0) {
      theirs = [...stored].sort(byTimeThenId);
      break;
    }
  }
  const sorted: Contribution[] = [];
  const candidate = new Uint8Array(ours.length + theirs.length);
  let a = 0;
  let b = 0;
  let last: Contribution | undefined;
  while (a < ours.length || b < theirs.length) {
    let next: Contribution;
    let fromBatch: boolean;
    if (b === theirs.length) {
      next = ours[a++];
      fromBatch = true;
    } else if (a === ours.length) {
      next = theirs[b++];
      fromBatch = false;
    } else {
      const order = byTimeThenId(ours[a], theirs[b]);
      fromBatch = order <= 0;
      next = fromBatch ? ours[a++] : theirs[b++];
      if (order === 0) b += 1; // the stored copy of a batch contribution
    }
    if (last !== undefined && next.ref.id === last.ref.id && next.ref.eventTimeMs === last.ref.eventTimeMs) {
      if (fromBatch) candidate[sorted.length - 1] = 1; // a record read twice in the batch
      continue;
    }
    if (fromBatch) candidate[sorted.length] = 1;
    sorted.push(next);
    last = next;
  }
  return { sorted, candidate: candidate.subarray(0, sorted.length) };
}

/** What `metWindows` answers: the contributions as evaluated, and each met candidate's windows. */
export interface MetWindows {
  /** The contributions, unique by record id, by event time then id. */
  readonly sorted: readonly Contribution[];
  /** Per candidate id in a met window, its windows; candidates in none are absent. */
  readonly candidates: ReadonlyMap<string, CandidateWindows>;
  /** Ids of the contributions to register (see evaluateWindows). */
  readonly members: readonly string[];
}

/** For each candidate id present in `contributions`, its met windows (by id: tests and tools). */
export function metWindows(
  contributions: Iterable<Contribution>,
  spec: WindowSpec,
  candidateIds: ReadonlySet<string>,
): MetWindows {
  const sorted = sortContributions(contributions);
  const candidate = Uint8Array.from(sorted, (contribution) =>
    candidateIds.has(contribution.ref.id) ? 1 : 0,
  );
  const evaluation = evaluateWindows(sorted, candidate, spec);
  return {
    sorted,
    candidates: new Map(
      evaluation.candidates.map(({ position, ...windows }) => [sorted[position].ref.id, windows]),
    ),
    members: evaluation.members.map((position) => sorted[position].ref.id),
  };
}
