import { contentId } from '../../../lambda/core/collectors/event-id';
import { timestampFromMillis } from '../../../lambda/core/collectors/instant';
import { decodeEntry, idDigest } from '../../../lambda/core/collectors/written-ids';
import type {
  Checkpoint,
  CheckpointStore,
  CollectedObject,
  CollectedRecord,
  CollectorClient,
  FetchedPage,
  Lease,
  ObjectWriter,
  PageQuery,
  RunOutcome,
} from '../../../lambda/core/collectors/types';

/** An event of a fake API: its id and time (epoch ms). */
export interface FakeEvent {
  readonly id: string;
  readonly at: number;
}

export function record(event: FakeEvent): CollectedRecord {
  return {
    id: event.id,
    timestamp: timestampFromMillis(event.at),
    line: JSON.stringify({ id: event.id, time: new Date(event.at).toISOString() }),
  };
}

/**
 * An API whose runs resume by time: events oldest first (ties in arrival order), `since` inclusive but
 * applied at whole seconds (as APIs that take RFC 3339 seconds do), and an offset within the query.
 */
export class TimeApi implements CollectorClient {
  readonly durableCursor = false;
  readonly idField = 'id';
  readonly events: FakeEvent[] = [];
  requests = 0;

  constructor(public pageLimit: number) {}

  add(...events: FakeEvent[]): void {
    this.events.push(...events);
    // Stable: equal times keep their arrival order.
    this.events.sort((a, b) => a.at - b.at);
  }

  async fetchPage(query: PageQuery): Promise<FetchedPage> {
    this.requests += 1;
    const since = Math.floor(query.since.getTime() / 1000) * 1000;
    const matching = this.events.filter((event) => event.at >= since);
    const offset = Number(query.cursor ?? '0');
    const page = matching.slice(offset, offset + this.pageLimit);
    const more = offset + page.length < matching.length;
    return { records: page.map(record), next: more ? String(offset + page.length) : undefined };
  }
}

/**
 * An API with a durable position (like Cirrus's `after`): events in arrival order whatever their time,
 * a next position on every answer (also on the last, short page).
 */
export class CursorApi implements CollectorClient {
  readonly durableCursor = true;
  readonly idField = 'id';
  readonly events: FakeEvent[] = [];
  requests = 0;

  constructor(public pageLimit: number) {}

  add(...events: FakeEvent[]): void {
    this.events.push(...events);
  }

  async fetchPage(query: PageQuery): Promise<FetchedPage> {
    this.requests += 1;
    const start =
      query.cursor !== undefined
        ? Number(query.cursor)
        : this.events.findIndex((event) => event.at >= query.since.getTime());
    const from = start === -1 ? this.events.length : start;
    const page = this.events.slice(from, from + this.pageLimit);
    return { records: page.map(record), next: String(from + page.length) };
  }
}

/** Thrown to stand for the process dying: nothing after it may reach the bucket or the store. */
export class Crash extends Error {}

/** A bucket and a checkpoint store that share one "process": a crash stops both until the next run. */
export class World implements ObjectWriter, CheckpointStore {
  readonly objects = new Map<string, CollectedObject>();
  checkpoint: Checkpoint | undefined;
  outcomes: RunOutcome[] = [];
  private dead = false;
  /** Commits to let through before the process dies at the next one (undefined: never). */
  crashAtCommit: number | undefined;
  /** Writes to let through before the process dies during the next one (undefined: never). */
  crashAtWrite: number | undefined;
  commits = 0;
  writes = 0;
  /** Set: giving the lease up fails with it (the store unreachable after the run). */
  releaseFailure: Error | undefined;

  async put(object: CollectedObject): Promise<'written' | 'exists'> {
    if (this.dead) throw new Crash('the process is gone');
    if (this.crashAtWrite !== undefined && this.writes === this.crashAtWrite) {
      this.dead = true;
      throw new Crash('crashed while writing an object');
    }
    this.writes += 1;
    if (this.objects.has(object.key)) return 'exists';
    this.objects.set(object.key, object);
    return 'written';
  }

  async acquire(): Promise<Lease | undefined> {
    this.dead = false;
    this.commits = 0;
    this.writes = 0;
    return {
      checkpoint: this.checkpoint,
      commit: async (checkpoint) => {
        if (this.dead) throw new Crash('the process is gone');
        if (this.crashAtCommit !== undefined && this.commits === this.crashAtCommit) {
          this.dead = true;
          throw new Crash('crashed between a write and its checkpoint');
        }
        this.commits += 1;
        this.checkpoint = checkpoint;
      },
      release: async (outcome) => {
        if (this.releaseFailure) throw this.releaseFailure;
        this.outcomes.push(outcome);
      },
    };
  }

  /** Every event line written, across all objects (gzip off in these tests). */
  lines(): Array<{ id: string }> {
    return [...this.objects.values()].flatMap((object) =>
      object.body
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { id: string }),
    );
  }
}

/** A content id for tests that need ids in the collectors' own scheme. */
export const idOf = (value: Record<string, unknown>): string => contentId(value);

/** Which of `ids` a checkpoint remembers as written (it keeps digests of them, not the ids). */
export function rememberedIds(checkpoint: Checkpoint | undefined, ids: readonly string[]): string[] {
  const digests = new Set((checkpoint?.written ?? []).map((entry) => decodeEntry(entry).digest));
  return ids.filter((id) => digests.has(idDigest(id)));
}

/** The tests' first event time, and their clock an hour later. */
export const T0 = Date.UTC(2024, 4, 1, 12, 30, 15, 250);
export const NOW = T0 + 3_600_000;

/** A run's dependencies on one World: its bucket and checkpoint store, a clock at `now`, no deadline. */
export function runDeps(api: CollectorClient, world: World, now = NOW) {
  return { client: api, writer: world, store: world, now: () => now, deadline: Infinity, leaseMs: 60_000 };
}
