import type { RequestLatency } from '../http/latency';
import type { Position } from '../notifications/object-ref';
import type { OutboundRecord } from '../records/types';
import { SinkCodes } from '../sinks/codes';
import type { GatherTicket } from '../sinks/gathering';
import type { BatchOutcome, PendingDelivery, Sink, SinkObserver } from '../sinks/types';
import type { QuarantineEntry } from './ports';
import { TroubledWaits } from './troubled-waits';

const MAX_SKIP_RANGES = 2_000;

interface DispatchedBatch {
  readonly firstOffset: number;
  /** Just past the last record's first byte: the batch covers offsets [firstOffset, endOffset). */
  readonly endOffset: number;
  /** Offset of the first record not delivered, once the batch failed. */
  failedAt?: number;
  /**
   * Once the batch failed with an answer: its records' offsets in order, each with whether it arrived
   * (delivered, or refused for good and quarantined), e.g. the items a bulk answer accepted.
   */
  arrivals?: readonly (readonly [offset: number, arrived: boolean])[];
  settled: boolean;
}

export interface DestinationTally {
  delivered: number;
  rejected: number;
  failed: number;
}

export interface PipelineOptions {
  readonly sink: Sink;
  /** Records before this offset already reached this destination in an earlier invocation. */
  readonly resumeAt: number;
  /** Ranges after `resumeAt` that reached it too (sorted, disjoint). Default: none. */
  readonly skip?: readonly (readonly [number, number])[];
  /** Only these log types go to this destination. Default: all. */
  readonly logTypes?: readonly string[];
  /** Batches in flight for this destination and object; read before each batch when a function. */
  readonly maxInFlight: number | (() => number);
  readonly deadline: () => number;
  readonly observer?: SinkObserver;
  /** The invocation's request durations (see DeliveryContext.latency). Default: none. */
  readonly latency?: RequestLatency;
  /**
   * The object's ticket at a sink that gathers objects (Sink.ticket): handed over with each batch,
   * told when this pipeline waits on the sink's answers and when it sends no more. Default: none.
   */
  readonly ticket?: GatherTicket;
  /**
   * The object's tickets at the other sinks that gather objects: told when this pipeline waits on
   * its destination while it retries a batch (GatherTicket.waitsElsewhere, see TroubledWaits), so
   * they do not wait for a failing SIEM. Default: none.
   */
  readonly others?: readonly GatherTicket[];
}

/**
 * Feeds one destination with one object's records: cuts batches by bytes and count, keeps a bounded
 * number in flight, and remembers the first offset this destination has not received, so a later
 * invocation resumes exactly there (and a healthy destination never receives a record twice because
 * another one failed).
 *
 * Records a destination took but has yet to confirm (Splunk indexer acknowledgement) free their request
 * slot at once but keep their batch open: they count as delivered only once confirmed, and `finish()`
 * waits for them. A batch whose records end unconfirmed fails like any other, so the resume offset
 * never passes a record that was not confirmed (it is sent again: duplicates rather than loss).
 */
export class DestinationPipeline {
  readonly tally: DestinationTally = { delivered: 0, rejected: 0, failed: 0 };
  readonly rejected: QuarantineEntry[] = [];
  failure?: { readonly code: string; readonly message: string };
  /**
   * Whether the destination took part in this pass: it accepted or refused records, or failed them
   * for a reason other than the deadline. An object no destination took part in was only out of time.
   */
  attempted = false;
  private batch: OutboundRecord[] = [];
  private batchBytes = 0;
  private readonly dispatched: DispatchedBatch[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches whose requests were answered but whose records still await the destination's confirmation. */
  private readonly confirming = new Set<Promise<void>>();
  private readonly logTypes?: ReadonlySet<string>;
  /** Settles once `finish` has sent the last batch (it may wait for a batch in flight to be answered). */
  private handedOver: Promise<void> = Promise.resolve();
  private readonly troubled: TroubledWaits;

  constructor(private readonly options: PipelineOptions) {
    this.logTypes = options.logTypes ? new Set(options.logTypes) : undefined;
    this.troubled = new TroubledWaits(options.others ?? []);
  }

  get name(): string {
    return this.options.sink.name;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Whether this record is this destination's to deliver in this invocation. */
  wants(record: OutboundRecord): boolean {
    if (this.failure || record.offset < this.options.resumeAt) return false;
    if (this.options.skip?.some(([from, to]) => record.offset >= from && record.offset < to)) return false;
    return this.logTypes === undefined || this.logTypes.has(record.logType);
  }

  /**
   * Adds a record. Returns a promise only when the caller must wait (the destination already has its
   * maximum of batches in flight): most records cost no await.
   */
  push(record: OutboundRecord): Promise<void> | undefined {
    const { sink } = this.options;
    const size = sink.encodedSize(record);
    if (this.batch.length > 0 && this.batchBytes + size > sink.maxBatchBytes) {
      const wait = this.dispatch();
      if (wait) return wait.then(() => this.add(record, size));
    }
    return this.add(record, size);
  }

  private add(record: OutboundRecord, size: number): Promise<void> | undefined {
    const { sink } = this.options;
    this.batch.push(record);
    this.batchBytes += size;
    if (this.batch.length >= sink.maxBatchRecords || this.batchBytes >= sink.maxBatchBytes)
      return this.dispatch();
    return undefined;
  }

  /**
   * Sends what is left and waits for every batch. Returns where the next invocation must start for
   * this destination: `done`; the offset of its first undelivered record; or that offset with the
   * ranges after it that did arrive (never sent twice). `stoppedAt` is the offset of the first
   * record that was not read (when reading stopped early).
   */
  async finish(stoppedAt: number | undefined): Promise<Position> {
    const last = !this.failure && this.batch.length > 0 ? this.dispatch() : undefined;
    // Set before the first await: forwardObject may ask right after calling finish.
    this.handedOver = last ?? Promise.resolve();
    if (last) await last;
    this.options.ticket?.leave();
    // The object may keep its slot for these answers: the objects waiting for it wait on them too.
    if (this.inFlight.size > 0 || this.confirming.size > 0)
      await this.troubled.during(async () => {
        while (this.inFlight.size > 0 || this.confirming.size > 0)
          await Promise.race([...this.inFlight, ...this.confirming]);
      });
    const firstFailedIndex = this.dispatched.findIndex((batch) => batch.failedAt !== undefined);
    let resumeAt: number;
    let skip: (readonly [number, number])[] = [];
    if (firstFailedIndex >= 0) {
      resumeAt = this.dispatched[firstFailedIndex].failedAt as number;
      skip = arrivedRuns(this.dispatched.slice(firstFailedIndex), resumeAt);
    } else if (stoppedAt === undefined) {
      return 'done';
    } else {
      resumeAt = Math.max(stoppedAt, this.options.resumeAt);
    }
    // An earlier range reading stopped inside still holds records this destination received after
    // the resume point: dropping it would send them again.
    const earlier = (this.options.skip ?? [])
      .filter(([, to]) => to > resumeAt)
      .map(([from, to]) => [Math.max(from, resumeAt), to] as const);
    // Bounded so a continuation message stays far below SQS's size limit; beyond it, records are resent.
    skip = mergeRanges([...skip, ...earlier]).slice(0, MAX_SKIP_RANGES);
    return skip.length > 0 ? { resumeAt, skip } : resumeAt;
  }

  /** Sends the current batch, at once or (the promise) once a batch in flight is answered. */
  private dispatch(): Promise<void> | undefined {
    if (this.inFlight.size < this.maxInFlight()) {
      this.send();
      return undefined;
    }
    return this.sendWhenAnswered();
  }

  private async sendWhenAnswered(): Promise<void> {
    // A gathering sink may be waiting for every object to either join it or wait (on it, or on a
    // destination in trouble), as this one now does: the object reads nothing until an answer.
    this.options.ticket?.blocked(true);
    await this.troubled.during(async () => {
      while (this.inFlight.size >= this.maxInFlight()) await Promise.race(this.inFlight);
    });
    this.options.ticket?.blocked(false);
    this.send();
  }

  /**
   * Once `finish` has handed the sink its last batch (every byte the sink may hold is then known):
   * whether the object may give up its slot while this destination's batches are still in flight
   * (see GatherTicket.mayReleaseSlot); when not, it keeps the slot until they are answered.
   */
  async mayReleaseSlot(): Promise<boolean> {
    const { ticket } = this.options;
    if (!ticket) return true;
    await this.handedOver;
    return ticket.mayReleaseSlot();
  }

  private maxInFlight(): number {
    const { maxInFlight } = this.options;
    return typeof maxInFlight === 'function' ? maxInFlight() : maxInFlight;
  }

  /** Keeps the first failure, unless it only said that time ran out: the destination's own says more. */
  private fail(failure: { readonly code: string; readonly message: string }): void {
    if (!this.failure || this.failure.code === SinkCodes.DEADLINE) this.failure = failure;
    // A failed destination is sent nothing more (see send).
    this.options.ticket?.leave();
  }

  private send(): void {
    const records = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.failure) {
      this.tally.failed += records.length;
      this.dispatched.push({
        firstOffset: records[0].offset,
        endOffset: records[records.length - 1].offset + 1,
        failedAt: records[0].offset,
        settled: true,
      });
      return;
    }
    const entry: DispatchedBatch = {
      firstOffset: records[0].offset,
      endOffset: records[records.length - 1].offset + 1,
      settled: false,
    };
    this.dispatched.push(entry);
    const work = this.deliver(records, entry).finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async deliver(records: readonly OutboundRecord[], entry: DispatchedBatch): Promise<void> {
    const failed: OutboundRecord[] = [];
    const watched = this.troubled.batch(this.options.observer);
    try {
      const outcome = await this.options.sink.deliver(records, {
        deadline: this.options.deadline(),
        observer: watched.observer,
        latency: this.options.latency,
        ticket: this.options.ticket,
      });
      this.take(outcome, failed);
      if (outcome.pending && outcome.pending.records.length > 0) {
        // The destination took part: it accepted them, and answered the request (its slot is free).
        this.attempted = true;
        // Until confirmed, a resend (an acknowledgement that never came) is a retry of this batch.
        const confirming = this.confirm(outcome.pending, records, entry, failed).finally(() => {
          watched.answered();
          this.confirming.delete(confirming);
        });
        this.confirming.add(confirming);
        return;
      }
      watched.answered();
      this.settle(entry, records, failed);
    } catch (error) {
      watched.answered();
      this.crashed(records, entry, error);
    }
  }

  private async confirm(
    pending: PendingDelivery,
    records: readonly OutboundRecord[],
    entry: DispatchedBatch,
    failed: OutboundRecord[],
  ): Promise<void> {
    try {
      this.take(await pending.confirmed, failed);
    } catch (error) {
      // A sink reports destination errors in its outcome; reaching here is a bug, never a lost record.
      this.tally.failed += pending.records.length;
      failed.push(...pending.records);
      this.fail({ code: 'SINK_CRASHED', message: error instanceof Error ? error.message : String(error) });
    }
    this.settle(entry, records, failed);
  }

  /** Counts what an outcome decided, and collects the records it failed. */
  private take(outcome: BatchOutcome, failed: OutboundRecord[]): void {
    if (
      outcome.delivered.length > 0 ||
      outcome.rejected.length > 0 ||
      (outcome.failed.length > 0 && outcome.failure?.code !== SinkCodes.DEADLINE)
    )
      this.attempted = true;
    this.tally.delivered += outcome.delivered.length;
    this.tally.rejected += outcome.rejected.length;
    for (const { record, code, reason } of outcome.rejected) {
      this.rejected.push({
        code,
        reason,
        offset: record.offset,
        destination: this.name,
        recordId: record.id,
        logType: record.logType,
        record: record.json,
      });
    }
    if (outcome.failed.length > 0) {
      this.tally.failed += outcome.failed.length;
      failed.push(...outcome.failed);
      this.fail(outcome.failure ?? { code: 'DESTINATION_FAILED', message: 'records were not accepted' });
    }
  }

  /** The batch is decided: where it failed, and which of its records arrived. */
  private settle(
    entry: DispatchedBatch,
    records: readonly OutboundRecord[],
    failed: readonly OutboundRecord[],
  ): void {
    if (failed.length > 0) {
      entry.failedAt = Math.min(...failed.map((record) => record.offset));
      const notArrived = new Set(failed);
      entry.arrivals = records.map((record) => [record.offset, !notArrived.has(record)] as const);
    }
    entry.settled = true;
  }

  private crashed(records: readonly OutboundRecord[], entry: DispatchedBatch, error: unknown): void {
    // A sink reports destination errors in its outcome; reaching here is a bug, never a lost record.
    this.tally.failed += records.length;
    this.attempted = true;
    entry.failedAt = entry.firstOffset;
    this.fail({ code: 'SINK_CRASHED', message: error instanceof Error ? error.message : String(error) });
    entry.settled = true;
  }
}

/**
 * The ranges of records after `resumeAt` that arrived, as few as possible: records arriving one after
 * another make one range, whichever batches they were sent in (records between them in the object were
 * not this destination's: other log types, unreadable lines). A record that did not arrive ends a range.
 */
function arrivedRuns(batches: readonly DispatchedBatch[], resumeAt: number): (readonly [number, number])[] {
  const runs: [number, number][] = [];
  let open: [number, number] | undefined;
  const extend = (from: number, to: number) => {
    if (open) open[1] = to;
    else runs.push((open = [from, to]));
  };
  for (const batch of batches) {
    if (batch.failedAt === undefined) {
      extend(batch.firstOffset, batch.endOffset);
      continue;
    }
    if (!batch.arrivals) {
      open = undefined;
      continue;
    }
    for (const [offset, arrived] of batch.arrivals) {
      if (!arrived) open = undefined;
      else if (offset > resumeAt) extend(offset, offset + 1);
    }
  }
  return runs;
}

/** Sorted, with touching or overlapping ranges joined, so a continuation stays small. */
function mergeRanges(ranges: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}
