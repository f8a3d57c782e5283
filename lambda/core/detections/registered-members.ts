import type { Contribution } from './windows/store';

/** Alerts remembered at once (the least recently registered is forgotten first). Default: 128. */
export const DEFAULT_REMEMBERED_ALERTS = 128;
/** Members remembered per alert (the earliest are forgotten first). Default: 2,048. */
export const DEFAULT_REMEMBERED_MEMBERS = 2_048;

interface Remembered {
  /** By event time then id, unique. */
  times: number[];
  ids: string[];
}

function before(
  times: readonly number[],
  ids: readonly string[],
  i: number,
  time: number,
  id: string,
): boolean {
  return times[i] < time || (times[i] === time && ids[i] < id);
}

/** First position at or after (time, id). */
function lowerBound(times: readonly number[], ids: readonly string[], time: number, id: string): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(times, ids, mid, time, id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The members this process's registrations have stored, per alert: what a batch need not register
 * again. A batch registers the stored records of its met windows as well as its own (a batch in
 * flight elsewhere may have left them, see evaluateWindows), and in a burst those reach one timespan
 * back: read in batches of 20 seconds, a minute-long window would have each record registered about
 * four times. Most of them were registered by this very process, by the batches before; leaving
 * those out is sound, since the store answered their registration. Anything else (registered by
 * another invocation, by a batch still in flight here, or forgotten) is registered again:
 * idempotent, and never wrong.
 *
 * Bounded: the alerts registered last, and for each its latest members (a batch's stored members lie
 * within one timespan before it). Kept by (event time, id) like the stores, so a batch's members,
 * which come by time, are an append and a linear walk; nothing hashes record ids.
 */
export class RegisteredMembers {
  private readonly alerts = new Map<string, Remembered>();

  constructor(
    private readonly maxAlerts = DEFAULT_REMEMBERED_ALERTS,
    private readonly maxMembers = DEFAULT_REMEMBERED_MEMBERS,
  ) {}

  /** Of `stored` (by event time then id), those not known to be registered with the alert, in order. */
  unknown(dedupKey: string, stored: readonly Contribution[]): readonly Contribution[] {
    const remembered = this.alerts.get(dedupKey);
    if (!remembered || stored.length === 0) return stored;
    const { times, ids } = remembered;
    const n = times.length;
    const first = stored[0].ref;
    let i = lowerBound(times, ids, first.eventTimeMs, first.id);
    const unknown: Contribution[] = [];
    for (let s = 0; s < stored.length; s += 1) {
      const { eventTimeMs, id } = stored[s].ref;
      while (i < n && before(times, ids, i, eventTimeMs, id)) i += 1;
      if (i < n && times[i] === eventTimeMs && ids[i] === id) continue;
      unknown.push(stored[s]);
    }
    return unknown.length === stored.length ? stored : unknown;
  }

  /**
   * Remembers members (by event time then id) whose registration with the alert the store has
   * answered: an append when they come after those remembered, else one merge.
   */
  add(dedupKey: string, members: readonly Contribution[]): void {
    if (members.length === 0) return;
    let remembered = this.alerts.get(dedupKey);
    if (remembered)
      this.alerts.delete(dedupKey); // set again below: the most recently used comes last
    else {
      remembered = { times: [], ids: [] };
      if (this.alerts.size >= this.maxAlerts) this.alerts.delete(this.alerts.keys().next().value!);
    }
    this.alerts.set(dedupKey, remembered);
    const { times, ids } = remembered;
    const first = members[0].ref;
    if (times.length === 0 || before(times, ids, times.length - 1, first.eventTimeMs, first.id)) {
      for (let m = 0; m < members.length; m += 1) {
        const { eventTimeMs, id } = members[m].ref;
        const last = times.length - 1;
        if (last >= 0 && times[last] === eventTimeMs && ids[last] === id) continue;
        times.push(eventTimeMs);
        ids.push(id);
      }
    } else {
      const mergedTimes: number[] = [];
      const mergedIds: string[] = [];
      for (let i = 0, m = 0; i < times.length || m < members.length;) {
        let time: number;
        let id: string;
        if (
          m === members.length ||
          (i < times.length && before(times, ids, i, members[m].ref.eventTimeMs, members[m].ref.id))
        ) {
          time = times[i];
          id = ids[i++];
        } else {
          time = members[m].ref.eventTimeMs;
          id = members[m++].ref.id;
        }
        const last = mergedTimes.length - 1;
        if (last >= 0 && mergedTimes[last] === time && mergedIds[last] === id) continue;
        mergedTimes.push(time);
        mergedIds.push(id);
      }
      remembered.times = mergedTimes;
      remembered.ids = mergedIds;
    }
    if (remembered.times.length > this.maxMembers) {
      const forget = remembered.times.length - (this.maxMembers >>> 1);
      remembered.times.splice(0, forget);
      remembered.ids.splice(0, forget);
    }
  }
}
