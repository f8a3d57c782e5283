/**
 * Which key prefixes of the layout `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json` hold the objects
 * written in a time range, so a replay lists only those instead of the whole bucket.
 *
 * The range is half-open at minute resolution: minute M is in it when `floor(from) <= M < to`
 * (a `to` of 12:10:30 includes minute 12:10). Times are UTC, like the layout.
 */
import { normalizePrefix, timePath } from './key-layout';

const MINUTE_MS = 60_000;

type Unit = 'year' | 'month' | 'day' | 'hour' | 'minute';

/** The unit of a prefix, from the coarsest: `YYYY/`, `YYYY/MM/`, … `YYYY/MM/DD/HH/MM/`. */
const DEPTH: Record<Unit, number> = { year: 1, month: 2, day: 3, hour: 4, minute: 5 };

function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function ceilToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}

/** The instant one `unit` after `at` (`at` is aligned to the unit). */
function next(at: Date, unit: Unit): number {
  const y = at.getUTCFullYear();
  const mo = at.getUTCMonth();
  switch (unit) {
    case 'year':
      return Date.UTC(y + 1, 0, 1);
    case 'month':
      return Date.UTC(y, mo + 1, 1);
    case 'day':
      return at.getTime() + 24 * 60 * MINUTE_MS;
    case 'hour':
      return at.getTime() + 60 * MINUTE_MS;
    case 'minute':
      return at.getTime() + MINUTE_MS;
  }
}

function alignedTo(at: Date, unit: Unit): boolean {
  if (at.getUTCSeconds() !== 0 || at.getUTCMilliseconds() !== 0) return false;
  if (unit === 'minute') return true;
  if (at.getUTCMinutes() !== 0) return false;
  if (unit === 'hour') return true;
  if (at.getUTCHours() !== 0) return false;
  if (unit === 'day') return true;
  if (at.getUTCDate() !== 1) return false;
  if (unit === 'month') return true;
  return at.getUTCMonth() === 0;
}

function pathAt(at: Date, unit: Unit): string {
  return `${timePath(at).split('/').slice(0, DEPTH[unit]).join('/')}/`;
}

const COARSEST_FIRST: readonly Unit[] = ['year', 'month', 'day', 'hour', 'minute'];

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * The time part of the prefixes (`2024/`, `2024/02/01/`, `2024/02/01/18/50/`, …) that cover exactly the
 * minutes of the range, in ascending (= lexicographic) order, disjoint. `granularity: 'minute'` lists
 * every minute instead of the coarsest cover (at most ~250 prefixes for any range).
 */
export function timePrefixes(
  range: TimeRange,
  options: { granularity?: 'coarsest' | 'minute' } = {},
): string[] {
  const start = floorToMinute(range.from.getTime());
  const end = ceilToMinute(range.to.getTime());
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError('invalid time range');
  const units = options.granularity === 'minute' ? (['minute'] as const) : COARSEST_FIRST;
  const prefixes: string[] = [];
  let cursor = start;
  while (cursor < end) {
    const at = new Date(cursor);
    const unit =
      units.find((candidate) => alignedTo(at, candidate) && next(at, candidate) <= end) ?? 'minute';
    prefixes.push(pathAt(at, unit));
    cursor = next(at, unit);
  }
  return prefixes;
}

/** `<prefix>/<logType>/` + each time prefix of the range. */
export function layoutPrefixes(
  options: TimeRange & {
    readonly prefix: string;
    readonly logType: string;
    readonly granularity?: 'coarsest' | 'minute';
  },
): string[] {
  const root = normalizePrefix(options.prefix);
  const head = root === '' ? `${options.logType}/` : `${root}/${options.logType}/`;
  return timePrefixes(options, { granularity: options.granularity }).map((time) => `${head}${time}`);
}

/** The UTC minute a layout key was written in (`…/YYYY/MM/DD/HH/MM/<name>`), or undefined for other keys. */
export function minuteOfKey(key: string): Date | undefined {
  const match = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
