import type { RecordTimestamp } from '../records/types';

/** One event read from an API, ready to be written as a line of an NDJSON object. */
export interface CollectedRecord {
  /** Deterministic: the API's own id, or a hash of the event's content (see event-id.ts). */
  readonly id: string;
  readonly timestamp: RecordTimestamp;
  /** The event as one line of JSON, as the API wrote it (plus the id field when it had none). */
  readonly line: string;
}

/** What a collector asks its API for: one page from a resume point. */
export interface PageQuery {
  /** Inclusive lower bound on the events' time, used when there is no `cursor`. */
  readonly since: Date;
  /** Upper bound (`sluice pull --until`); absent means "up to now". */
  readonly until?: Date;
  /** The API's continuation (a next link, a cursor value, an offset) from the previous page or the checkpoint. */
  readonly cursor?: string;
}

export interface FetchedPage {
  /** The page's events in the API's order. */
  readonly records: readonly CollectedRecord[];
  /**
   * Continuation to the following page; absent when the API gave none. The run follows it whatever
   * the page's length, except after an empty page (see continuations.ts), so a client whose API
   * signals its end by page length only (offset paging) gives none after an empty page.
   */
  readonly next?: string;
  /**
   * True when the API answered with events that the client holds back (a `since` paging probe, see
   * since-paging.ts), so that an empty `records` does not mean the API is caught up.
   */
  readonly heldBack?: boolean;
  /**
   * True when the page answers a new time query rather than continuing the previous page (`since`
   * paging): it may return events of earlier pages again (the engine skips those by id), and its
   * events are in time order among themselves, not after the previous page's.
   */
  readonly requery?: boolean;
}

/** What the engine needs to know about a request deadline. */
export interface FetchContext {
  /** Epoch ms after which no new request starts. */
  readonly deadline: number;
}

/** An API client: the plugin each collector type provides to the engine. */
export interface CollectorClient {
  /**
   * True when a continuation stays valid between runs (Cirrus's `after` link is what its own client
   * keeps between cron runs), so the checkpoint may hold it. Otherwise the next run resumes by time.
   */
  readonly durableCursor: boolean;
  /** The record field holding the id the forwarder deduplicates on (for the source's `idFields`). */
  readonly idField: string;
  fetchPage(query: PageQuery, context: FetchContext): Promise<FetchedPage>;
  close?(): void;
}

/**
 * Where the next run starts. `since`+`cursor` is the query that returns again the first events not yet
 * written; `written` remembers the events that query returns again which were already written (they
 * are skipped, so events sharing the boundary, or re-read by the lookback, are neither lost nor
 * repeated).
 */
export interface Checkpoint {
  /**
   * 2: `written` holds `<epoch second>:<digest>` entries (written-ids.ts). 1 (before lookbacks):
   * whole ids, all at `since`; read, never written (parseCheckpoint turns it into a 2).
   */
  readonly version: 1 | 2;
  /**
   * RFC 3339 UTC, full precision: the resume query's inclusive lower time bound. Resuming by time, it
   * is the newest written event's time (never past the run's clock) less the lookback.
   */
  readonly since: string;
  /** A durable continuation, when the API has one (see `CollectorClient.durableCursor`). */
  readonly cursor?: string;
  readonly written: readonly string[];
  /** The newest event time written so far, never past the clock of the run that wrote it, for lag (RFC 3339 UTC). */
  readonly newestEventAt?: string;
  /**
   * Saved just before an object whose cut nothing but the end of the run decided (the last, short
   * one): how many events it holds. Should the run die before its checkpoint, the next run cuts its
   * first object the same way even if more events arrived, so that it finds the same object there.
   */
  readonly objectRecords?: number;
}

/** How a run ended, recorded next to the checkpoint for `sluice status` and the alarms. */
export interface RunOutcome {
  /**
   * `caught-up`: the API had no more; `paused`: budget, throttling or outage (the next run goes on);
   * `failed`: see `code`; `skipped`: another run held the lease.
   */
  readonly status: 'caught-up' | 'paused' | 'failed' | 'skipped';
  readonly recordsWritten: number;
  readonly objectsWritten: number;
  readonly code?: string;
  readonly message?: string;
  readonly newestEventAt?: string;
  /**
   * How far ahead of the run's clock the newest written event was stamped (a vendor clock running
   * fast), in ms; absent when no event was in the future. Such an event is written, but neither the
   * resume point nor `newestEventAt` moves past the clock.
   */
  readonly futureSkewMs?: number;
  /**
   * `COLLECTOR_TIES_EXCEED_PAGE`: the second (or millisecond, with `epoch-millis`) the run cannot read
   * past, RFC 3339 UTC; kept with the failure so that `sluice collect checkpoint --skip-second` knows
   * which one to move past.
   */
  readonly tiesAt?: string;
  /**
   * With `tiesAt`: how many events of that instant the API gave in its page, all within it (at least
   * that many share it; how many more is unknown).
   */
  readonly tiesEvents?: number;
  /**
   * Why the lease could not be given up after the run (its outcome stands: what it wrote is
   * checkpointed); the lease then lapses on its own, and runs until then are skipped.
   */
  readonly leaseNotReleased?: string;
}

/** A run's exclusive hold on its collector's checkpoint. */
export interface Lease {
  /** The checkpoint when the lease was taken; undefined on the collector's first run. */
  readonly checkpoint: Checkpoint | undefined;
  /** Stores the checkpoint, only while this lease is still held (else LEASE_LOST). */
  commit(checkpoint: Checkpoint): Promise<void>;
  /** Gives the lease up and records how the run ended. */
  release(outcome: RunOutcome): Promise<void>;
}

export interface CheckpointStore {
  /** Takes the collector's lease for `leaseMs`, or returns undefined while another run holds it. */
  acquire(collector: string, leaseMs: number): Promise<Lease | undefined>;
}

/** One NDJSON object to put into the bucket. */
export interface CollectedObject {
  readonly key: string;
  readonly body: Buffer;
  readonly records: number;
  readonly gzip: boolean;
}

export interface ObjectWriter {
  /**
   * Writes the object unless its key exists. Keys are derived from the records they hold, so an
   * existing key means an earlier run wrote these very records: nothing to do.
   */
  put(object: CollectedObject): Promise<'written' | 'exists'>;
}
