/**
 * The records an alert covers, as a set keyed like the window store (event time, record id) and kept
 * in that order: records arrive mostly in time order, so adding one is usually a comparison with the
 * last and an append, and a late one a binary search; nothing hashes record ids. Iterates the ids by
 * event time then id.
 */
export class MemberLog implements Iterable<string> {
  private readonly times: number[] = [];
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** Adds a member; false when it is there already (a redelivery, a replay). */
  add(id: string, eventTimeMs: number): boolean {
    const { times, ids } = this;
    const n = ids.length;
    const after = n === 0 || times[n - 1] < eventTimeMs || (times[n - 1] === eventTimeMs && ids[n - 1] < id);
    if (after) {
      times.push(eventTimeMs);
      ids.push(id);
      return true;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] < eventTimeMs || (times[mid] === eventTimeMs && ids[mid] < id)) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && times[lo] === eventTimeMs && ids[lo] === id) return false;
    times.splice(lo, 0, eventTimeMs);
    ids.splice(lo, 0, id);
    return true;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.ids[Symbol.iterator]();
  }
}
