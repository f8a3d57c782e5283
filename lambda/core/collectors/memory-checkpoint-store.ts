import { randomUUID } from 'node:crypto';
import { CollectorCodes, CollectorError } from './codes';
import type { Checkpoint, CheckpointStore, Lease, RunOutcome } from './types';

interface Entry {
  checkpoint?: Checkpoint;
  owner?: string;
  expiresAt?: number;
  lastOutcome?: RunOutcome;
}

/**
 * Checkpoints in this process's memory, with the same lease rules as the DynamoDB store: for
 * `sluice pull --to-bucket` (a backfill that must not move the real checkpoint) and for tests.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(collector: string, leaseMs: number): Promise<Lease | undefined> {
    const entry = this.entries.get(collector) ?? {};
    this.entries.set(collector, entry);
    if (entry.owner !== undefined && (entry.expiresAt ?? 0) > this.now()) return undefined;
    const owner = randomUUID();
    entry.owner = owner;
    entry.expiresAt = this.now() + leaseMs;
    return {
      checkpoint: entry.checkpoint,
      commit: async (checkpoint) => {
        if (entry.owner !== owner) {
          throw new CollectorError(
            CollectorCodes.LEASE_LOST,
            `collector '${collector}' lease was taken over`,
            {
              collector,
            },
          );
        }
        entry.checkpoint = checkpoint;
      },
      release: async (outcome) => {
        if (entry.owner !== owner) return;
        entry.owner = undefined;
        entry.expiresAt = undefined;
        entry.lastOutcome = outcome;
      },
    };
  }

  /** The stored checkpoint (what `sluice status` shows). */
  checkpoint(collector: string): Checkpoint | undefined {
    return this.entries.get(collector)?.checkpoint;
  }

  lastOutcome(collector: string): RunOutcome | undefined {
    return this.entries.get(collector)?.lastOutcome;
  }
}
