import { meetsThreshold, type CorrelationType, type Threshold } from '../sigma/types';
import type { Contribution } from './store';

/**
 * Which windows of a correlation are met, computed from the contributions alone (never from the
 * order they arrived in). A window is a span [start, start + timespan) of event time; its count is
 * the number of contributions in it (event_count) or of distinct values among them (value_count).
 * It suffices to look at windows starting at a contribution's event time: sliding any window right
 * to its first member loses nothing.
 *
 * The candidates are the contributions of the batch being counted (just stored, then read back with
 * the stored ones they can share a window with). What an evaluation reports:
 *
 * * For each candidate in a met window: the best window containing it (largest count, earliest on
 *   ties) and the run of every met window containing it (a contiguous run, since all contain it).
 * * The members to register: every contribution, stored or candidate, of a met window that holds
 *   a candidate (the union of those runs).
 *
 * Claim: once every batch counted has been registered, every member of every met window of the
 * records stored is registered, whatever the order, the batching, the redeliveries, and however
 * batches overlap, in one process or in many sharing the stores. Take a met window W and the first
 * moment the members of W whose store writes have completed meet it (it stays met: counts only
 * grow); the write completing then is batch C's. C reads after it (strongly consistent, see
 * WindowStore.range), so C sees those members, W met, and a candidate of its own in W: it registers
 * every member it sees. A member whose write completes later belongs to a batch that reads later
 * still, sees W met, and registers it as its own. A batch cut short before registering is counted
 * again (see DetectionEngine), reads at least as much, and registers what it would have.
 *
 * Why stored members are registered too, rather than skipped when a window met by stored
 * contributions alone holds them ("the batch that stored them registered them then"): that holds
 * only while batches of a group run one after another and none fails between counting and
 * registering. Batches in flight at once (in one stage, in two Lambdas), or a batch redelivered
 * after others ran, can each leave a record to another that skipped it too, and the alert's count
 * and record list miss it. A batch cannot tell a stored record of a batch that registered from one
 * of a batch still running or failed: the store answers contributions, not who registered them. An
 * in-process lock per group was not chosen: it orders the batches of one Lambda only, while the
 * stores are shared by every invocation, so it cannot be the fix, and with this rule it adds
 * nothing. The cost: a batch's met windows reach one timespan back, so in a burst each record
 * would be registered by several batches (idempotent in both stores); the engine leaves out those
 * its own process registered already (RegisteredMembers), which brings a burst read in one Lambda
 * back to about one registration per record. See "What it costs" in docs/detections.md.
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
  /** The window's count. */
  metric = new Int32Array(0);
  /** Bit 1: a window starts at i (first of its event time); bit 2: that window is met. */
  flags = new Uint8Array(0);
  nextMet = new Int32Array(0);
  previousMet = new Int32Array(0);
  /** Monotonic queue of window starts, by count. */
  best = new Int32Array(0);

  ensure(n: number): this {
    if (this.time.length > n) return this;
    const size = Math.max(1024, 2 ** Math.ceil(Math.log2(n + 1)));
    this.time = new Float64Array(size);
    this.end = new Int32Array(size);
    this.metric = new Int32Array(size);
    this.flags = new Uint8Array(size);
    this.nextMet = new Int32Array(size);
    this.previousMet = new Int32Array(size);
    this.best = new Int32Array(size);
    return this;
  }
}

const scratch = new Scratch();
const START = 1;
const MET = 2;

/** Fills `end` and `metric` for every window start (see Scratch). */
function countWindows(sorted: readonly Contribution[], work: Scratch, spec: WindowSpec): void {
  const n = sorted.length;
  const span = spec.timespanMs;
  const { time, end, metric } = work;
  if (spec.type === 'event_count') {
    for (let i = 0, j = 0; i < n; i += 1) {
      while (j < n && time[j] < time[i] + span) j += 1;
      end[i] = j;
      metric[i] = j - i;
    }
    return;
  }
  // value_count: distinct values in the window, kept by a sliding counter.
  const values = new Map<string, number>();
  for (let i = 0, j = 0; i < n; i += 1) {
    while (j < n && time[j] < time[i] + span) {
      const value = sorted[j].value;
      if (value !== undefined) values.set(value, (values.get(value) ?? 0) + 1);
      j += 1;
    }
    end[i] = j;
    metric[i] = values.size;
    const value = sorted[i].value;
    if (value !== undefined) {
      const left = values.get(value)! - 1;
      if (left === 0) values.delete(value);
      else values.set(value, left);
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
  const { time, end, metric, flags, nextMet, previousMet, best } = work;
  for (let i = 0; i < n; i += 1) time[i] = sorted[i].ref.eventTimeMs;
  countWindows(sorted, work, spec);
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
  // A monotonic queue keeps the one with the largest count.
  let head = 0;
  let tail = 0;
  let pushed = 0; // next index to consider as a start
  let firstInRange = 0; // first index with time > time[p] - span
  let covered = 0; // positions before this are members already (runs only move forward)
  for (let p = 0; p < n; p += 1) {
    while (pushed < n && time[pushed] <= time[p]) {
      if (flags[pushed] & START) {
        while (tail > head && metric[best[tail - 1]] < metric[pushed]) tail -= 1;
        best[tail] = pushed;
        tail += 1;
      }
      pushed += 1;
    }
    while (tail > head && time[best[head]] <= time[p] - span) head += 1;
    while (time[firstInRange] <= time[p] - span) firstInRange += 1;
    if (!candidate[p]) continue;
    // The best window containing p is met exactly when some window containing p is (thresholds are lower bounds).
    if (tail === head || (flags[best[head]] & MET) === 0) continue;
    const start = best[head];
    const membersStart = nextMet[firstInRange];
    const membersEnd = end[previousMet[pushed - 1]];
    candidates.push({
      position: p,
      count: metric[start],
      bestStart: start,
      bestEnd: end[start],
      membersStart,
      membersEnd,
    });
    // Both ends of a candidate's run only move forward with p: the union of runs is one sweep.
    for (let q = Math.max(covered, membersStart); q < membersEnd; q += 1) members.push(q);
    if (membersEnd > covered) covered = membersEnd;
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
