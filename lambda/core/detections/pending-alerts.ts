import type { GroupValue } from './alerts/document';
import type { GroupMatches, SingleMatches } from './batch-matches';
import type { CompiledRule } from './sigma/types';
import type { Correlated } from './windows/correlate';
import type { Contribution } from './windows/store';

/** What one batch contributes to one alert (rule, group, period): registered once, documented if it says something new. */
export interface PendingAlert {
  readonly rule: CompiledRule;
  readonly groupKey: string;
  readonly groupNames: readonly string[];
  readonly groupValues: readonly GroupValue[];
  readonly periodStartMs: number;
  readonly periodMs: number;
  /** The least id among the records whose reading made the rule fire: the alert's opener if this opens it. */
  readonly trigger: string;
  /** The batch's records this entry covers, unique by id, by event time then id. */
  readonly own: readonly Contribution[];
  /**
   * The stored records of the same met windows, likewise: registered too (a batch in flight
   * elsewhere may have left them, see evaluateWindows).
   */
  readonly stored: readonly Contribution[];
  /** The best window's count (correlations), or 1. */
  readonly count: number;
  /** The best window's members (correlations), or the first match; sliced only for a document. */
  best(): readonly Contribution[];
}

function byTimeThenId(a: Contribution, b: Contribution): number {
  return a.ref.eventTimeMs - b.ref.eventTimeMs || (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0);
}

/** A single-record rule's matches in one period: every match is a trigger and a member. */
export function pendingOfSingle(matches: SingleMatches, periodMs: number): PendingAlert {
  const seen = new Set<string>();
  const members = matches.contributions
    .filter((contribution) => !seen.has(contribution.ref.id) && seen.add(contribution.ref.id))
    .sort(byTimeThenId);
  const first = matches.contributions[0];
  return {
    rule: matches.rule,
    groupKey: '',
    groupNames: [],
    groupValues: [],
    periodStartMs: matches.periodStartMs,
    periodMs,
    trigger: members.reduce(
      (least, member) => (member.ref.id < least ? member.ref.id : least),
      members[0].ref.id,
    ),
    own: members,
    stored: [],
    count: 1,
    best: () => [first],
  };
}

interface PeriodTally {
  readonly startMs: number;
  trigger: string;
  count: number;
  bestStart: number;
  bestEnd: number;
  readonly own: Contribution[];
  readonly stored: Contribution[];
}

/**
 * A correlation group's evaluation as pending alerts, one per period its members fall in. Each
 * candidate's windows touch the periods from its run's first member to its last: those periods
 * count it as a trigger and take the largest best window. Visited once, in position order.
 */
export function pendingOfGroup(
  group: GroupMatches,
  correlated: Correlated,
  periodMs: number,
): PendingAlert[] {
  const { sorted, candidate, candidates, members } = correlated;
  if (candidates.length === 0) return [];
  const tallies: PeriodTally[] = [];
  const tallyOf = (startMs: number): PeriodTally => {
    // A batch spans a period or two: a backwards search finds it at once.
    for (let t = tallies.length - 1; t >= 0; t -= 1) if (tallies[t].startMs === startMs) return tallies[t];
    const tally = { startMs, trigger: '', count: 0, bestStart: 0, bestEnd: 0, own: [], stored: [] };
    tallies.push(tally);
    return tally;
  };
  const periodStart = (position: number) =>
    Math.floor(sorted[position].ref.eventTimeMs / periodMs) * periodMs;
  for (const windows of candidates) {
    const id = sorted[windows.position].ref.id;
    const last = periodStart(windows.membersEnd - 1);
    for (let start = periodStart(windows.membersStart); start <= last; start += periodMs) {
      const tally = tallyOf(start);
      if (tally.trigger === '' || id < tally.trigger) tally.trigger = id;
      if (windows.count > tally.count) {
        tally.count = windows.count;
        tally.bestStart = windows.bestStart;
        tally.bestEnd = windows.bestEnd;
      }
    }
  }
  let current: PeriodTally | undefined;
  for (const position of members) {
    const member = sorted[position];
    // Members come by event time, so the period changes only forward.
    if (!current || member.ref.eventTimeMs >= current.startMs + periodMs)
      current = tallyOf(periodStart(position));
    if (candidate[position]) current.own.push(member);
    else current.stored.push(member);
  }
  const { rule } = group.correlation;
  const groupNames = rule.groupBy.map((path) => path.name);
  // A period the runs span without a member in it has nothing to register.
  return tallies
    .filter((tally) => tally.own.length + tally.stored.length > 0)
    .map((tally) => ({
      rule,
      groupKey: group.groupKey,
      groupNames,
      groupValues: group.groupValues,
      periodStartMs: tally.startMs,
      periodMs,
      trigger: tally.trigger,
      own: tally.own,
      stored: tally.stored,
      count: tally.count,
      best: () => sorted.slice(tally.bestStart, tally.bestEnd),
    }));
}
