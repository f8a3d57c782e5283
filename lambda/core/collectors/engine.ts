import { errorCode, errorMessage } from '../errors';
import { gzipBody } from '../http/gzip';
import { CollectorCodes, CollectorError } from './codes';
import { Continuations } from './continuations';
import { nextObjectSize, ndjson, objectKey } from './object-plan';
import { RunProgress } from './progress';
import { objectCut } from './object-cut';
import type {
  Checkpoint,
  CheckpointStore,
  CollectorClient,
  Lease,
  ObjectWriter,
  PageQuery,
  RunOutcome,
} from './types';

export const DEFAULT_MAX_RECORDS_PER_OBJECT = 1_000;
export const DEFAULT_MAX_OBJECT_BYTES = 10_000_000;

/** What a run writes and where (from the collector's configuration). */
export interface CollectorRunSettings {
  /** The collector's name: the checkpoint's key, and part of every object's name. */
  readonly name: string;
  readonly prefix: string;
  readonly logType: string;
  /** gzip objects (`.json.gz`). Default: false. */
  readonly gzip?: boolean;
  /** Default: 1,000 (as the vendors' log streams). */
  readonly maxRecordsPerObject?: number;
  /** NDJSON bytes per object before gzip. Default: 10 MB. */
  readonly maxObjectBytes?: number;
  /** Where the first run starts, back from now. */
  readonly firstRunLookbackMs: number;
  /**
   * Where a run without a checkpoint starts, exactly (a backfill's `--since`); overrides
   * `firstRunLookbackMs`. Default: none. An absolute time is kept as one: turned into a lookback and
   * back again with two readings of the clock, it would start a few ms late and drop the events at it.
   */
  readonly firstRunSince?: Date;
  /** Upper time bound of every query (a backfill of a past range). Default: none (up to now). */
  readonly until?: Date;
  /**
   * Resuming by time, how far back from the newest written event the next run asks again, so that
   * events the API indexes late are still found (those already written are skipped). Default: 5 min.
   */
  readonly lookbackMs?: number;
}

/** Progress a run reports as it goes (the Lambda adapter turns them into log lines and metrics). */
export interface CollectorObserver {
  pageFetched?(info: { records: number; added: number; hasNext: boolean }): void;
  objectWritten?(info: { key: string; records: number; bytes: number; existed: boolean }): void;
  checkpointCommitted?(checkpoint: Checkpoint): void;
}

export interface CollectorRunDeps {
  readonly client: CollectorClient;
  readonly writer: ObjectWriter;
  readonly store: CheckpointStore;
  readonly now: () => number;
  /** Epoch ms after which the run fetches nothing more (keep time after it to write what it holds). */
  readonly deadline: number;
  /** How long the lease lasts: longer than the run can take, so it only expires if the run died. */
  readonly leaseMs: number;
  readonly observer?: CollectorObserver;
  /** Default: gzip at the fastest level. */
  readonly compress?: (body: Buffer) => Promise<Buffer>;
}

/**
 * One scheduled run of a collector: take the lease, read the checkpoint, pull pages until the API is
 * caught up (no continuation, one already followed, or an empty page: see continuations.ts; a short
 * page is not the end) or the time budget is spent, write objects of at most `maxRecordsPerObject` events and
 * `maxObjectBytes`, and move the checkpoint after each object is written, never before. A crash
 * between a write and its checkpoint makes the next run write those events again (same ids, and the
 * same object name, which it finds there); it can never skip one.
 */
export async function runCollector(
  settings: CollectorRunSettings,
  deps: CollectorRunDeps,
): Promise<RunOutcome> {
  const lease = await deps.store.acquire(settings.name, deps.leaseMs);
  if (!lease) {
    return {
      status: 'skipped',
      recordsWritten: 0,
      objectsWritten: 0,
      code: CollectorCodes.LEASE_HELD,
      message: `another run of collector '${settings.name}' holds its lease`,
    };
  }
  let outcome: RunOutcome | undefined;
  try {
    outcome = await new CollectorRun(settings, deps, lease).run();
  } catch (error) {
    // The run's own error is what the caller must see, even when giving the lease up fails too.
    await lease
      .release({
        status: 'failed',
        recordsWritten: 0,
        objectsWritten: 0,
        code: 'UNEXPECTED',
        message: 'the run ended unexpectedly',
      })
      .catch(() => undefined);
    throw error;
  }
  try {
    await lease.release(outcome);
  } catch (error) {
    // What the run wrote is checkpointed already: it did not fail, its lease only lapses later.
    return { ...outcome, leaseNotReleased: errorMessage(error) };
  }
  return outcome;
}

class CollectorRun {
  private readonly progress: RunProgress;
  private committed: string;
  private recordsWritten = 0;
  private storageFailed = false;
  private objectsWritten = 0;
  /** Objects this run has put (or tried to): only the first follows the starting checkpoint's plan. */
  private objectsTried = 0;
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(
    private readonly settings: CollectorRunSettings,
    private readonly deps: CollectorRunDeps,
    private readonly lease: Lease,
  ) {
    const start =
      lease.checkpoint ??
      (settings.firstRunSince
        ? firstCheckpoint(settings.firstRunSince.getTime(), 0)
        : firstCheckpoint(deps.now(), settings.firstRunLookbackMs));
    this.progress = new RunProgress(start, {
      durable: deps.client.durableCursor,
      now: deps.now(),
      lookbackMs: settings.lookbackMs,
    });
    // A first run that brings nothing stores nothing: its start stays "firstRunLookbackMs back from now".
    this.committed = JSON.stringify(this.progress.checkpoint());
    this.maxRecords = settings.maxRecordsPerObject ?? DEFAULT_MAX_RECORDS_PER_OBJECT;
    this.maxBytes = settings.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  }

  async run(): Promise<RunOutcome> {
    let stop: Stop;
    try {
      stop = await this.pull();
    } catch (error) {
      stop = stopFor(error);
    }
    // What the pages before a failure brought is still good: write it, unless storing is what failed.
    if (!this.storageFailed) {
      try {
        await this.flush(true);
        await this.commit();
      } catch (error) {
        if (stop.status !== 'failed') stop = stopFor(error);
      }
    }
    return {
      ...stop,
      recordsWritten: this.recordsWritten,
      objectsWritten: this.objectsWritten,
      ...(this.progress.newestEventAt ? { newestEventAt: this.progress.newestEventAt } : {}),
      ...(this.progress.futureSkewMs !== undefined ? { futureSkewMs: this.progress.futureSkewMs } : {}),
    };
  }

  private async pull(): Promise<Stop> {
    const { client } = this.deps;
    let query: PageQuery = this.progress.firstQuery(this.settings.until);
    const continuations = new Continuations(query.cursor);
    for (;;) {
      if (this.deps.now() >= this.deps.deadline) {
        return {
          status: 'paused',
          code: CollectorCodes.BUDGET_SPENT,
          message: 'the time budget ended before the API was caught up; the next run continues',
        };
      }
      const page = await client.fetchPage(query, { deadline: this.deps.deadline });
      const added = this.progress.addPage(query, page);
      this.deps.observer?.pageFetched?.({
        records: page.records.length,
        added,
        hasNext: page.next !== undefined,
      });
      await this.flush(false);
      const cursor = continuations.after(page);
      if (cursor === undefined) return { status: 'caught-up' };
      query = { since: query.since, until: query.until, cursor };
    }
  }

  /** Writes every full object (and with `all`, the rest), moving the checkpoint after each. */
  private async flush(all: boolean): Promise<void> {
    for (;;) {
      const pending = this.progress.pendingRecords;
      if (pending.length === 0) return;
      const cut = objectCut({
        pending: pending.length,
        fits: nextObjectSize(pending, this.maxRecords, this.maxBytes),
        maxRecords: this.maxRecords,
        planned: this.objectsTried === 0 ? this.progress.plannedFirstObject : undefined,
        all,
      });
      if (cut === undefined) return;
      try {
        if (cut.plan) {
          this.progress.planObject(cut.size);
          await this.commit();
        }
        this.objectsTried += 1;
        await this.write(pending.slice(0, cut.size));
        this.progress.markWritten(cut.size);
        await this.commit();
      } catch (error) {
        // Nothing more is written once an object or a checkpoint could not be stored.
        this.storageFailed = true;
        throw error;
      }
    }
  }

  private async write(records: Parameters<typeof objectKey>[0]): Promise<void> {
    const gzip = this.settings.gzip ?? false;
    const key = objectKey(records, { ...this.settings, collector: this.settings.name, gzip });
    const text = ndjson(records);
    const body = gzip ? await (this.deps.compress ?? gzipBody)(text) : text;
    let result: 'written' | 'exists';
    try {
      result = await this.deps.writer.put({ key, body, records: records.length, gzip });
    } catch (error) {
      if (error instanceof CollectorError) throw error;
      throw new CollectorError(
        CollectorCodes.WRITE_FAILED,
        `object ${key} could not be written: ${errorMessage(error)}`,
        { collector: this.settings.name, key },
        { cause: error },
      );
    }
    this.recordsWritten += records.length;
    this.objectsWritten += result === 'written' ? 1 : 0;
    this.deps.observer?.objectWritten?.({
      key,
      records: records.length,
      bytes: body.length,
      existed: result === 'exists',
    });
  }

  private async commit(): Promise<void> {
    const checkpoint = this.progress.checkpoint();
    const text = JSON.stringify(checkpoint);
    if (text === this.committed) return;
    await this.lease.commit(checkpoint);
    this.committed = text;
    this.deps.observer?.checkpointCommitted?.(checkpoint);
  }
}

export function firstCheckpoint(now: number, lookbackMs: number): Checkpoint {
  return { version: 2, since: new Date(now - lookbackMs).toISOString(), written: [] };
}

type Stop = Pick<RunOutcome, 'status' | 'code' | 'message' | 'tiesAt' | 'tiesEvents'>;

function stopFor(error: unknown): Stop {
  const paused = error instanceof CollectorError && error.kind === 'pause';
  const stop = {
    status: paused ? 'paused' : 'failed',
    code: errorCode(error),
    message: errorMessage(error),
  } as const;
  const bound = error instanceof CollectorError ? error.context.bound : undefined;
  const events = error instanceof CollectorError ? error.context.events : undefined;
  return error instanceof CollectorError &&
    error.code === CollectorCodes.TIES_EXCEED_PAGE &&
    typeof bound === 'string'
    ? { ...stop, tiesAt: bound, ...(typeof events === 'number' ? { tiesEvents: events } : {}) }
    : stop;
}
