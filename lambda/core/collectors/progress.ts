import type { RecordTimestamp } from '../records/types';
import { CollectorCodes, CollectorError } from './codes';
import { compareTimestamps, timestampOf } from './instant';
import type { Checkpoint, CollectedRecord, FetchedPage, PageQuery } from './types';

/** Ids kept at the boundary at most: an item stays far below DynamoDB's 400 KB. Dropped ids may repeat, never skip. */
export const MAX_WRITTEN_IDS = 5_000;

interface PageEntry {
  readonly query: PageQuery;
  readonly next?: string;
  /** Ids of every event the API returned on the page, in its order. */
  readonly ids: readonly string[];
}

interface Pending {
  readonly page: number;
  /** Position on its page. */
  readonly index: number;
  readonly record: CollectedRecord;
}

/**
 * What one run has fetched, written and still holds, and the checkpoint that follows from it.
 *
 * Two ways to resume, after the API's semantics:
 * - by time (the default): the next run asks again from the newest written event's time, inclusive,
 *   and skips the ids already written at exactly that time. Needs the API's events in ascending time.
 * - by a durable cursor (`durableCursor`): the next run re-reads the page holding the first event not
 *   yet written, skipping the ids of that page already written. Order does not matter.
 */
export class RunProgress {
  private readonly pages: PageEntry[] = [];
  private pending: Pending[] = [];
  private readonly seen: Set<string>;
  private readonly startSince: RecordTimestamp;
  private boundary: { timestamp: RecordTimestamp; ids: Set<string> };
  private lastReturned: RecordTimestamp | undefined;
  private newest: RecordTimestamp | undefined;

  constructor(
    private readonly start: Checkpoint,
    private readonly durable: boolean,
    private readonly maxWrittenIds: number = MAX_WRITTEN_IDS,
  ) {
    this.startSince = timestampOf(start.since);
    this.seen = new Set(start.written);
    this.boundary = { timestamp: this.startSince, ids: new Set(start.written) };
    this.newest = start.newestEventAt ? timestampOf(start.newestEventAt) : undefined;
  }

  /** The query of the run's first page. */
  firstQuery(until?: Date): PageQuery {
    return {
      since: new Date(this.startSince.epochMillis),
      cursor: this.durable ? this.start.cursor : undefined,
      until,
    };
  }

  /**
   * Takes a page in; returns how many of its events are new. Events before the resume time (a bound
   * rounded down by the API's precision), and events already written or already on an earlier page,
   * are dropped.
   */
  addPage(query: PageQuery, page: FetchedPage): number {
    // The whole page is checked before any of it is taken: a refused page leaves nothing pending.
    if (!this.durable) this.checkOrder(page.records);
    const byTime = !this.durable || query.cursor === undefined;
    const pageIndex = this.pages.length;
    this.pages.push({ query, next: page.next, ids: page.records.map((record) => record.id) });
    let added = 0;
    page.records.forEach((record, index) => {
      if (byTime && compareTimestamps(record.timestamp, this.startSince) < 0) return;
      if (this.seen.has(record.id)) return;
      this.seen.add(record.id);
      this.pending.push({ page: pageIndex, index, record });
      added += 1;
    });
    return added;
  }

  get pendingRecords(): readonly CollectedRecord[] {
    return this.pending.map((entry) => entry.record);
  }

  /** The first `count` pending events are in the bucket: the checkpoint may move past them. */
  markWritten(count: number): void {
    for (const { record } of this.pending.slice(0, count)) {
      if (!this.newest || compareTimestamps(record.timestamp, this.newest) > 0)
        this.newest = record.timestamp;
      const order = compareTimestamps(record.timestamp, this.boundary.timestamp);
      if (order > 0) this.boundary = { timestamp: record.timestamp, ids: new Set([record.id]) };
      else if (order === 0) this.boundary.ids.add(record.id);
    }
    this.pending = this.pending.slice(count);
  }

  /** Where the next run starts, given what is written so far. */
  checkpoint(): Checkpoint {
    const newestEventAt = this.newest?.iso;
    const position = this.durable ? this.cursorPosition() : this.timePosition();
    return { version: 1, ...position, ...(newestEventAt ? { newestEventAt } : {}) };
  }

  get newestEventAt(): string | undefined {
    return this.newest?.iso;
  }

  private timePosition(): Pick<Checkpoint, 'since' | 'written'> {
    const ids = [...this.boundary.ids];
    return { since: this.boundary.timestamp.iso, written: ids.slice(-this.maxWrittenIds) };
  }

  private cursorPosition(): Pick<Checkpoint, 'since' | 'cursor' | 'written'> {
    const first = this.pending[0];
    if (first) return this.pagePosition(this.pages[first.page], first.index);
    const last = this.pages.at(-1);
    if (!last) {
      const { since, cursor, written } = this.start;
      return { since, ...(cursor !== undefined ? { cursor } : {}), written };
    }
    if (last.next !== undefined && last.next !== last.query.cursor) {
      return { since: this.sinceOf(last.query), cursor: last.next, written: [] };
    }
    return this.pagePosition(last, last.ids.length);
  }

  /** Re-read `page`, skipping its first `index` events (written, or dropped as already written). */
  private pagePosition(page: PageEntry, index: number): Pick<Checkpoint, 'since' | 'cursor' | 'written'> {
    return {
      since: this.sinceOf(page.query),
      ...(page.query.cursor !== undefined ? { cursor: page.query.cursor } : {}),
      written: page.ids.slice(0, index).slice(-this.maxWrittenIds),
    };
  }

  private sinceOf(query: PageQuery): string {
    return query.since.getTime() === this.startSince.epochMillis
      ? this.start.since
      : query.since.toISOString();
  }

  /** Resuming by time skips nothing only if the API returns its events oldest first. */
  private checkOrder(records: readonly CollectedRecord[]): void {
    let last = this.lastReturned;
    records.forEach((record, index) => {
      if (last && compareTimestamps(record.timestamp, last) < 0) {
        throw new CollectorError(
          CollectorCodes.BAD_RESPONSE,
          `the API returned event ${index} of page ${this.pages.length + 1} (${record.timestamp.iso}) after a newer one (${last.iso}): events must come oldest first to resume by time. Fix: ask the API for ascending order`,
          { page: this.pages.length + 1, event: index },
        );
      }
      last = record.timestamp;
    });
    this.lastReturned = last;
  }
}
