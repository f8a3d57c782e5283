import type { RecordTimestamp } from '../records/types';
import { currentCheckpoint } from './checkpoint';
import { CollectorCodes, CollectorError } from './codes';
import { compareTimestamps, timestampFromMillis, timestampOf } from './instant';
import { keepNewest, timePosition } from './time-position';
import type { Checkpoint, CollectedRecord, FetchedPage, PageQuery } from './types';
import { decodeEntry, encodeEntry, entryOf, MAX_ENTRY_JSON_BYTES, type WrittenEntry } from './written-ids';

/** Entries kept at most (about 30 bytes each): an item stays far below DynamoDB's 400 KB. Dropped ones may repeat, never skip. */
export const MAX_WRITTEN_IDS = 5_000;
/**
 * The checkpoint's JSON at most: DynamoDB's item limit is 400 KB, and the item holds more than the
 * checkpoint (lease, last run, an error message of up to 1,000 characters). Only a very long cursor
 * makes this bind before MAX_WRITTEN_IDS does.
 */
export const MAX_CHECKPOINT_BYTES = 300_000;
/** Default lookback when resuming by time: events an API indexes up to five minutes late are found. */
export const DEFAULT_LOOKBACK_MS = 300_000;

export interface ProgressOptions {
  /** Resume by the API's durable cursor rather than by time. */
  readonly durable: boolean;
  /** The run's clock (epoch ms): the resume point never moves past it. */
  readonly now: number;
  /** How far back from the newest written time the next run asks again (resuming by time). */
  readonly lookbackMs?: number;
  readonly maxWrittenIds?: number;
}

interface PageEntry {
  readonly query: PageQuery;
  readonly next?: string;
  /** The entries of every event the API returned on the page, in its order. */
  readonly entries: readonly WrittenEntry[];
}

interface Pending {
  readonly page: number;
  /** Position on its page. */
  readonly index: number;
  readonly record: CollectedRecord;
  readonly entry: WrittenEntry;
}

/**
 * What one run has fetched, written and still holds, and the checkpoint that follows from it.
 *
 * Two ways to resume, after the API's semantics:
 * - by time (the default): the next run asks again from the newest written event's time less the
 *   lookback, inclusive, and skips the events already written since then (see time-position.ts).
 *   Needs the API's events in ascending time.
 * - by a durable cursor (`durableCursor`): the next run re-reads the page holding the first event not
 *   yet written, skipping the events of that page already written. Order does not matter.
 */
export class RunProgress {
  private readonly start: Checkpoint;
  private readonly durable: boolean;
  private readonly lookbackMs: number;
  private readonly maxWrittenIds: number;
  private readonly now: RecordTimestamp;
  private readonly pages: PageEntry[] = [];
  private pending: Pending[] = [];
  /** Digests of the events written (as far as the checkpoint knows) or taken by this run. */
  private readonly seen: Set<string>;
  private readonly startSince: RecordTimestamp;
  private readonly carried: readonly WrittenEntry[];
  private readonly writtenNow: WrittenEntry[] = [];
  private boundary: RecordTimestamp | undefined;
  private lastReturned: RecordTimestamp | undefined;
  private newest: RecordTimestamp | undefined;
  private skewMs = 0;
  private planned: number | undefined;

  constructor(start: Checkpoint, options: ProgressOptions) {
    this.start = currentCheckpoint(start);
    this.durable = options.durable;
    this.lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
    this.maxWrittenIds = options.maxWrittenIds ?? MAX_WRITTEN_IDS;
    this.now = timestampFromMillis(options.now);
    this.startSince = timestampOf(this.start.since);
    this.carried = this.start.written.map(decodeEntry);
    this.seen = new Set(this.carried.map((entry) => entry.digest));
    // A newest time stored in the future (before runs clamped it) would blind the lag alarm.
    this.newest = this.start.newestEventAt
      ? this.atMostNow(timestampOf(this.start.newestEventAt))
      : undefined;
  }

  /** The query of the run's first page. */
  firstQuery(until?: Date): PageQuery {
    return {
      since: new Date(this.startSince.epochMillis),
      cursor: this.durable ? this.start.cursor : undefined,
      until,
    };
  }

  /** How many events the starting checkpoint says the first object holds (see `Checkpoint.objectRecords`). */
  get plannedFirstObject(): number | undefined {
    return this.start.objectRecords;
  }

  /**
   * Takes a page in; returns how many of its events are new. Events before the resume time (a bound
   * rounded down by the API's precision), and events already written or already on an earlier page,
   * are dropped.
   */
  addPage(query: PageQuery, page: FetchedPage): number {
    // The whole page is checked before any of it is taken: a refused page leaves nothing pending.
    if (!this.durable) this.checkOrder(page);
    const byTime = !this.durable || query.cursor === undefined;
    const pageIndex = this.pages.length;
    const entries = page.records.map((record) => entryOf(record.id, record.timestamp.epochMillis));
    this.pages.push({ query, next: page.next, entries });
    let added = 0;
    page.records.forEach((record, index) => {
      if (byTime && compareTimestamps(record.timestamp, this.startSince) < 0) return;
      const entry = entries[index];
      if (this.seen.has(entry.digest)) return;
      this.seen.add(entry.digest);
      this.pending.push({ page: pageIndex, index, record, entry });
      added += 1;
    });
    return added;
  }

  get pendingRecords(): readonly CollectedRecord[] {
    return this.pending.map((entry) => entry.record);
  }

  /** The next object will hold the first `count` pending events: the checkpoint says so until it is written. */
  planObject(count: number): void {
    this.planned = count;
  }

  /** The first `count` pending events are in the bucket: the checkpoint may move past them. */
  markWritten(count: number): void {
    for (const { record, entry } of this.pending.slice(0, count)) {
      this.skewMs = Math.max(this.skewMs, record.timestamp.epochMillis - this.now.epochMillis);
      const at = this.atMostNow(record.timestamp);
      if (!this.newest || compareTimestamps(at, this.newest) > 0) this.newest = at;
      if (!this.boundary || compareTimestamps(at, this.boundary) > 0) this.boundary = at;
      this.writtenNow.push(entry);
    }
    this.pending = this.pending.slice(count);
    this.planned = undefined;
  }

  /** Where the next run starts, given what is written so far. */
  checkpoint(): Checkpoint {
    const newestEventAt = this.newest?.iso;
    const position = this.durable ? this.cursorPosition() : this.timePosition();
    return {
      version: 2,
      ...position,
      ...(newestEventAt ? { newestEventAt } : {}),
      ...(this.planned !== undefined ? { objectRecords: this.planned } : {}),
    };
  }

  get newestEventAt(): string | undefined {
    return this.newest?.iso;
  }

  /** How far ahead of the run's clock the newest written event was, in ms; undefined if none was. */
  get futureSkewMs(): number | undefined {
    return this.skewMs > 0 ? this.skewMs : undefined;
  }

  private atMostNow(at: RecordTimestamp): RecordTimestamp {
    return compareTimestamps(at, this.now) > 0 ? this.now : at;
  }

  /** Entries the checkpoint may hold beside `rest`: its count cap, and its byte cap (a long cursor). */
  private entryBudget(rest: Omit<Checkpoint, 'version' | 'written'>): number {
    const restBytes = Buffer.byteLength(JSON.stringify({ version: 2, ...rest, written: [] }), 'utf8');
    const byBytes = Math.floor((MAX_CHECKPOINT_BYTES - restBytes) / MAX_ENTRY_JSON_BYTES);
    return Math.max(0, Math.min(this.maxWrittenIds, byBytes));
  }

  private timePosition(): Pick<Checkpoint, 'since' | 'written'> {
    const { since, written } = timePosition({
      start: this.startSince,
      carried: this.carried,
      written: this.writtenNow,
      boundary: this.boundary,
      firstPending: this.pending[0]?.record.timestamp,
      lookbackMs: this.lookbackMs,
      maxEntries: this.maxWrittenIds,
    });
    const text = since === this.startSince ? this.start.since : since.iso;
    return { since: text, written: written.map(encodeEntry) };
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
    return this.pagePosition(last, last.entries.length);
  }

  /** Re-read `page`, skipping its first `index` events (written, or dropped as already written). */
  private pagePosition(page: PageEntry, index: number): Pick<Checkpoint, 'since' | 'cursor' | 'written'> {
    const rest = {
      since: this.sinceOf(page.query),
      ...(page.query.cursor !== undefined ? { cursor: page.query.cursor } : {}),
    };
    const budget = this.entryBudget({ ...rest, newestEventAt: this.newest?.iso });
    return { ...rest, written: keepNewest(page.entries.slice(0, index), budget).map(encodeEntry) };
  }

  private sinceOf(query: PageQuery): string {
    return query.since.getTime() === this.startSince.epochMillis
      ? this.start.since
      : query.since.toISOString();
  }

  /**
   * Resuming by time skips nothing only if the API returns its events oldest first. A page answering
   * a new time query (`since` paging) starts over within the second it asked from, before the
   * previous page's newest event: its order is checked on its own.
   */
  private checkOrder(page: FetchedPage): void {
    const { records } = page;
    let last = page.requery ? undefined : this.lastReturned;
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
