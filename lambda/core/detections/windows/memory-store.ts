import type { Contribution, WindowStore } from './store';

interface Partition {
  readonly ids: Map<string, number>; // record id → expiry
  /** By event time once `sorted` is true; appended to, and sorted again lazily. */
  contributions: Contribution[];
  sorted: boolean;
}

function firstAtOrAfter(contributions: readonly Contribution[], timeMs: number): number {
  let lo = 0;
  let hi = contributions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (contributions[mid].ref.eventTimeMs < timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * WindowStore in memory: unit tests, `sluice detect test` and `backtest` (one process, no DynamoDB).
 * Contributions are kept by event time, so reading a window costs its size, not the partition's.
 */
export class MemoryWindowStore implements WindowStore {
  private readonly partitions = new Map<string, Partition>();

  async add(partition: string, contributions: readonly Contribution[], expiresAtMs: number): Promise<number> {
    let stored = this.partitions.get(partition);
    if (!stored) {
      stored = { ids: new Map(), contributions: [], sorted: true };
      this.partitions.set(partition, stored);
    }
    let added = 0;
    for (const contribution of contributions) {
      if (stored.ids.has(contribution.ref.id)) continue;
      stored.ids.set(contribution.ref.id, expiresAtMs);
      const last = stored.contributions[stored.contributions.length - 1];
      if (last && last.ref.eventTimeMs > contribution.ref.eventTimeMs) stored.sorted = false;
      stored.contributions.push(contribution);
      added += 1;
    }
    return added;
  }

  async range(partition: string, fromMs: number, toMs: number): Promise<readonly Contribution[]> {
    const stored = this.partitions.get(partition);
    if (!stored) return [];
    if (!stored.sorted) {
      stored.contributions.sort((a, b) => a.ref.eventTimeMs - b.ref.eventTimeMs);
      stored.sorted = true;
    }
    const { contributions } = stored;
    return contributions.slice(
      firstAtOrAfter(contributions, fromMs),
      firstAtOrAfter(contributions, toMs + 1),
    );
  }

  /** Drops what has expired, as DynamoDB's TTL eventually does. */
  expire(nowMs: number): void {
    for (const [name, stored] of this.partitions) {
      for (const [id, expiresAtMs] of stored.ids) if (expiresAtMs <= nowMs) stored.ids.delete(id);
      stored.contributions = stored.contributions.filter((contribution) =>
        stored.ids.has(contribution.ref.id),
      );
      if (stored.ids.size === 0) this.partitions.delete(name);
    }
  }

  /** Stored contributions per partition (tests). */
  count(partition: string): number {
    return this.partitions.get(partition)?.ids.size ?? 0;
  }
}
