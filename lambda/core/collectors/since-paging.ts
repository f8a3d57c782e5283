import { CollectorCodes, CollectorError } from './codes';
import type { CollectedRecord } from './types';

/**
 * Paging an API that has a time filter and nothing else (no next link, cursor or offset): the only
 * way on is to ask again from a later `since`. Each request asks from a bound the API can read (the
 * time format's precision: a whole second, or a millisecond), and the events come back oldest first.
 *
 * - `read` at bound b: the events at or after b. The next request reads from the newest event's
 *   bound: the rest of that second (a page may end within it) and what follows. Events read twice are
 *   skipped by the engine (same id).
 * - A page whose events all fall within b cannot move the bound: asking again would bring the same
 *   page. The next request asks from the following bound (`after` b) to learn whether anything comes
 *   after b. Nothing: the API is caught up.
 * - Something: either the page at b was capped with b's events alone (more events share b than a page
 *   holds, and those past the cap can never be asked for), or those events arrived in between. The
 *   events of `after` are set aside (taking them would move the checkpoint past b), and b is read
 *   again (`recheck`): a page that now reaches past b was not capped and reading goes on from it; one
 *   still within b was capped, and the run stops with COLLECTOR_TIES_EXCEED_PAGE, never moving the
 *   checkpoint past b, so that nothing is skipped. Every run then stops there until the operator
 *   acts: a configuration fix, or `sluice collect checkpoint <collector> --skip-second`, which
 *   moves the checkpoint past b on purpose (see docs/collectors.md). The one page this refuses wrongly: exactly a page's worth of events
 *   at b, which the API cannot tell apart from more.
 *
 * Each step is later than the one before (a bound only grows; at one bound, read < after < recheck),
 * so a run never asks the same question twice; it ends on an empty page, at its upper bound, or on a
 * refusal.
 */

export type SinceStep = 'read' | 'after' | 'recheck';

export interface SincePosition {
  readonly step: SinceStep;
  /** Epoch ms, a multiple of the bound's precision. */
  readonly bound: number;
}

export interface SincePage {
  /** The events the engine may take (none from an `after` probe). */
  readonly records: readonly CollectedRecord[];
  /** An `after` probe found events and set them aside: the empty `records` is not the end. */
  readonly heldBack?: boolean;
  readonly next?: SincePosition;
}

export interface SincePagingOptions {
  /** The precision of the API's `since` as sluice writes it: 1000 (seconds) or 1 (milliseconds). */
  readonly precisionMs: number;
  /** The request's upper bound (epoch ms): no step starts after it. */
  readonly until: number;
  /** The collector's name, for the command a refusal names as its way out. Default: `<collector>`. */
  readonly collector?: string;
}

const STEPS: readonly SinceStep[] = ['read', 'after', 'recheck'];

/** The continuation string the engine follows (never stored: `since` paging resumes by time). */
export function encodeSincePosition(position: SincePosition): string {
  return `${position.step}@${position.bound}`;
}

export function decodeSincePosition(cursor: string): SincePosition {
  const [step, bound] = cursor.split('@');
  if (!(STEPS as readonly string[]).includes(step) || !/^-?\d+$/.test(bound ?? '')) {
    throw new RangeError(`'${cursor}' is not a since-paging position`);
  }
  return { step: step as SinceStep, bound: Number(bound) };
}

/** The run's first request: from its `since`, rounded down to what the API reads. */
export function firstSincePosition(since: Date, precisionMs: number): SincePosition {
  return { step: 'read', bound: boundOf(since.getTime(), precisionMs) };
}

/** The `since` a position asks from. */
export function sinceOf(position: SincePosition, precisionMs: number): Date {
  return new Date(position.step === 'after' ? position.bound + precisionMs : position.bound);
}

/** What follows a page fetched at `position`. */
export function afterSincePage(
  position: SincePosition,
  records: readonly CollectedRecord[],
  options: SincePagingOptions,
): SincePage {
  if (records.length === 0) return { records };
  const { bound } = position;
  if (position.step === 'after') return { records: [], heldBack: true, next: { step: 'recheck', bound } };
  const newestAt = records.reduce((max, record) => Math.max(max, record.timestamp.epochMillis), -Infinity);
  const newest = boundOf(newestAt, options.precisionMs);
  if (newest > bound) return { records, next: { step: 'read', bound: newest } };
  if (newest < bound) throw sinceIgnored(bound, records.length);
  if (position.step === 'recheck') throw tiesExceedPage(bound, records.length, options);
  if (bound + options.precisionMs > options.until) return { records };
  return { records, next: { step: 'after', bound } };
}

function boundOf(epochMillis: number, precisionMs: number): number {
  return Math.floor(epochMillis / precisionMs) * precisionMs;
}

/** Paging by time needs the filter: an API that ignores it would answer every step with the same page. */
function sinceIgnored(bound: number, count: number): CollectorError {
  return new CollectorError(
    CollectorCodes.BAD_RESPONSE,
    `the API answered a request for events at or after ${new Date(bound).toISOString()} with ${count} events, all older: it does not apply {since}, which paging by time needs. Fix: put {since} in the query parameter the API filters on`,
    { bound: new Date(bound).toISOString(), events: count },
  );
}

function tiesExceedPage(bound: number, count: number, options: SincePagingOptions): CollectorError {
  const { precisionMs } = options;
  const at = new Date(bound).toISOString();
  const span = precisionMs === 1 ? `millisecond ${at}` : `second ${at.slice(0, 19)}Z`;
  const unit = precisionMs === 1 ? 'millisecond' : 'second';
  return new CollectorError(
    CollectorCodes.TIES_EXCEED_PAGE,
    `the API returned a whole page of ${count} events within one ${span} and has events after it: with a time filter as its only paging, the events of that ${unit} past the page cannot be asked for. The events up to that page are written; every run stops here (nothing after it is collected) until you act. Fix: "timeFormat": "epoch-millis" if the API takes millisecond bounds, a larger "limit" if the API allows bigger pages, or a pagination with a continuation (cursor, link-header, offset) if the API has one; else skip the rest of that ${unit} on purpose (those events are never collected): sluice collect checkpoint ${options.collector ?? '<collector>'} --skip-second`,
    { bound: at, events: count },
  );
}
