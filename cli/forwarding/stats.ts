import type { ForwardSummary } from '../../lambda/core/forward/forward-object';

export interface DestinationStats {
  delivered: number;
  quarantined: number;
  failed: number;
}

export interface ForwardingStatsSnapshot {
  readonly objects: number;
  readonly records: number;
  readonly bytes: number;
  readonly unreadable: number;
  readonly objectsIncomplete: number;
  readonly messagesFailed: number;
  readonly continuations: number;
  readonly destinations: Readonly<Record<string, DestinationStats>>;
}

/**
 * One object's passes (`sluice forward` resumes a destination that stopped part-way) as one summary,
 * so a record read again by a later pass counts once. Records and bytes are those of the pass that
 * read the most: a later pass re-reads from where the slowest destination stopped, and the first one
 * reads the whole object unless every destination failed or time ran out. What each destination
 * delivered or quarantined adds up over the passes; failed is what the last pass still could not
 * deliver (earlier failures were retried).
 */
export function summaryOfPasses(passes: readonly ForwardSummary[]): ForwardSummary {
  const last = passes[passes.length - 1];
  const destinations: Record<string, { delivered: number; rejected: number; failed: number }> = {};
  for (const pass of passes) {
    for (const [name, tally] of Object.entries(pass.destinations)) {
      const total = (destinations[name] ??= { delivered: 0, rejected: 0, failed: 0 });
      total.delivered += tally.delivered;
      total.rejected += tally.rejected;
    }
  }
  for (const [name, total] of Object.entries(destinations))
    total.failed = last.destinations[name]?.failed ?? 0;
  return {
    records: Math.max(...passes.map((pass) => pass.records)),
    bytes: Math.max(...passes.map((pass) => pass.bytes)),
    // A pass quarantines only what no earlier pass read, so these add up.
    unreadable: passes.reduce((sum, pass) => sum + pass.unreadable, 0),
    destinations,
  };
}

/** What the CLI's forwarder did, counted the way the Lambda's metrics count it. */
export class ForwardingStats {
  objects = 0;
  records = 0;
  bytes = 0;
  unreadable = 0;
  objectsIncomplete = 0;
  messagesFailed = 0;
  continuations = 0;
  private readonly destinations = new Map<string, DestinationStats>();

  constructor(destinationNames: readonly string[] = []) {
    for (const name of destinationNames) this.destination(name);
  }

  private destination(name: string): DestinationStats {
    let stats = this.destinations.get(name);
    if (!stats) {
      stats = { delivered: 0, quarantined: 0, failed: 0 };
      this.destinations.set(name, stats);
    }
    return stats;
  }

  /** One pass over an object (a complete one, or one that stopped early). */
  add(summary: ForwardSummary, complete: boolean): void {
    if (complete) this.objects += 1;
    else this.objectsIncomplete += 1;
    this.records += summary.records;
    this.bytes += summary.bytes;
    this.unreadable += summary.unreadable;
    for (const [name, tally] of Object.entries(summary.destinations)) {
      const stats = this.destination(name);
      stats.delivered += tally.delivered;
      stats.quarantined += tally.rejected;
      stats.failed += tally.failed;
    }
  }

  snapshot(): ForwardingStatsSnapshot {
    return {
      objects: this.objects,
      records: this.records,
      bytes: this.bytes,
      unreadable: this.unreadable,
      objectsIncomplete: this.objectsIncomplete,
      messagesFailed: this.messagesFailed,
      continuations: this.continuations,
      destinations: Object.fromEntries([...this.destinations].map(([name, stats]) => [name, { ...stats }])),
    };
  }
}
