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
