import type { Contribution, WindowStore } from './store';

interface Partition {
  /** By event time then record id, unique by both (the DynamoDB adapter's sort key, `eventTime#recordId`). */
  contributions: Contribution[];
  /** Same positions: when each expires. */
  expiries: number[];
}

function compare(a: Contribution, timeMs: number, id: string): number {
  return a.ref.eventTimeMs - timeMs || (a.ref.id < id ? -1 : a.ref.id > id ? 1 : 0);
}

/** First position whose (time, id) is at or after (timeMs, id); an id of '' finds the first at timeMs. */
function lowerBound(contributions: readonly Contribution[], timeMs: number, id: string): number {
  let lo = 0;
  let hi = contributions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(contributions[mid], timeMs, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position with an event time after `timeMs`. */
function firstAfter(contributions: readonly Contribution[], timeMs: number): number {
  let lo = 0;
  let hi = contributions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (contributions[mid].ref.eventTimeMs <= timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * WindowStore in memory: unit tests, `sluice detect test` and `backtest` (one process, no DynamoDB).
 * Contributions are kept in order, keyed like the DynamoDB items (event time, record id), so adding
 * one in time order is an append, a late one a binary search, and reading a window costs its size,
 * not the partition's; nothing hashes record ids.
 */
export class MemoryWindowStore implements WindowStore {
  private readonly partitions = new Map<string, Partition>();

  async add(partition: string, contributions: readonly Contribution[], expiresAtMs: number): Promise<number> {
    let stored = this.partitions.get(partition);
    if (!stored) {
      stored = { contributions: [], expiries: [] };
      this.partitions.set(partition, stored);
    }
    const list = stored.contributions;
    let added = 0;
    for (let i = 0; i < contributions.length; i += 1) {
      const contribution = contributions[i];
      const { eventTimeMs, id } = contribution.ref;
      const n = list.length;
      // In a stream most records come after the last one stored.
      const at = n === 0 || compare(list[n - 1], eventTimeMs, id) < 0 ? n : lowerBound(list, eventTimeMs, id);
      if (at < n && compare(list[at], eventTimeMs, id) === 0) continue; // stored already: idempotent
      if (at === n) {
        list.push(contribution);
        stored.expiries.push(expiresAtMs);
      } else {
        list.splice(at, 0, contribution);
        stored.expiries.splice(at, 0, expiresAtMs);
      }
      added += 1;
    }
    return added;
  }

  async range(partition: string, fromMs: number, toMs: number): Promise<readonly Contribution[]> {
    const stored = this.partitions.get(partition);
    if (!stored) return [];
    const { contributions } = stored;
    return contributions.slice(lowerBound(contributions, fromMs, ''), firstAfter(contributions, toMs));
  }

  /** Drops what has expired, as DynamoDB's TTL eventually does. */
  expire(nowMs: number): void {
    for (const [name, stored] of this.partitions) {
      const keep = stored.expiries.map((expiresAtMs) => expiresAtMs > nowMs);
      stored.contributions = stored.contributions.filter((_, i) => keep[i]);
      stored.expiries = stored.expiries.filter((_, i) => keep[i]);
      if (stored.contributions.length === 0) this.partitions.delete(name);
    }
  }

  /** Stored contributions per partition (tests). */
  count(partition: string): number {
    return this.partitions.get(partition)?.contributions.length ?? 0;
  }
}
