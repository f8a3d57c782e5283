/**
 * A source's key layout as a pattern relative to its prefix, e.g. StrongDM's
 * `{logType}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}` or CloudTrail's
 * `AWSLogs/{*}/CloudTrail/{*}/{yyyy}/{MM}/{dd}/{*}`: what a key says (its log type, its time) and which
 * key prefixes hold a time range. Times are UTC.
 *
 * Tokens: `{logType}` (a whole segment), `{yyyy}` `{MM}` `{dd}` `{HH}` `{mm}` (fixed-width digits; a
 * time token may appear more than once, e.g. in folders and again in the file name, and the values must
 * agree), `{*}` (one or more characters other than `/`). Everything else is literal text.
 */
import { SluiceError } from '../errors';

export const DEFAULT_KEY_LAYOUT = '{logType}/{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}';

export type TimeUnit = 'year' | 'month' | 'day' | 'hour' | 'minute';

/** From the coarsest: a unit is only meaningful when every coarser one is known too. */
export const TIME_UNITS: readonly TimeUnit[] = ['year', 'month', 'day', 'hour', 'minute'];

const TOKEN_UNITS: Readonly<Record<string, TimeUnit>> = {
  yyyy: 'year',
  MM: 'month',
  dd: 'day',
  HH: 'hour',
  mm: 'minute',
};

const UNIT_WIDTH: Readonly<Record<TimeUnit, number>> = { year: 4, month: 2, day: 2, hour: 2, minute: 2 };

type Part =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'time'; readonly unit: TimeUnit }
  | { readonly kind: 'logType' }
  | { readonly kind: 'any' };

interface Segment {
  readonly parts: readonly Part[];
  /** The segment alone, anchored, one group per non-literal part. */
  readonly regex: RegExp;
}

export interface KeyPattern {
  readonly text: string;
  readonly segments: readonly Segment[];
  /** Index of the `{logType}` segment, if any. */
  readonly logTypeSegment: number | undefined;
  /**
   * The folders that carry time, for listing a range: segments [first, end) hold only time tokens and
   * literals, in calendar order from the year; `units` are the units they give, coarsest first. Undefined
   * when the layout has no time folder (a listing then covers every key).
   */
  readonly timeFolders:
    { readonly first: number; readonly end: number; readonly units: readonly TimeUnit[] } | undefined;
  /** The finest unit the whole key gives (folders and file name), if any. */
  readonly keyResolution: TimeUnit | undefined;
  /** The whole key, anchored. */
  readonly regex: RegExp;
  /** The non-literal parts of the whole key, in the order of the regex's groups. */
  readonly groups: readonly Part[];
}

/** What a key says, when it follows the layout. */
export interface KeyMatch {
  readonly logType?: string;
  /** The interval of time the key names, at its resolution (e.g. one minute, or one day). */
  readonly time?: { readonly start: Date; readonly unit: TimeUnit };
}

/** The characters a literal may hold: what a key prefix allows, and `=` `,` `@` `+` for Hive-style folders. */
const LITERAL = /^[A-Za-z0-9!_.'()=,@+-]+$/;
const LOG_TYPE_GROUP = '([A-Za-z0-9_-]{1,64})';

/** Why `text` is not a key layout, or undefined when it is one. */
export function keyPatternProblem(text: string): string | undefined {
  try {
    parseKeyPattern(text);
    return undefined;
  } catch (error) {
    return error instanceof SluiceError ? error.message : String(error);
  }
}

const cache = new Map<string, KeyPattern>();

/** Parses (and remembers) a key layout; throws SluiceError `KEY_LAYOUT_INVALID` saying what is wrong. */
export function parseKeyPattern(text: string): KeyPattern {
  const cached = cache.get(text);
  if (cached) return cached;
  const pattern = parse(text);
  cache.set(text, pattern);
  return pattern;
}

function invalid(text: string, reason: string): SluiceError {
  return new SluiceError('KEY_LAYOUT_INVALID', `key layout '${text}' ${reason}`, { keyLayout: text });
}

function parse(text: string): KeyPattern {
  if (text.length === 0 || text.length > 512) throw invalid(text, 'must be 1-512 characters');
  const rawSegments = text.split('/');
  if (rawSegments.some((segment) => segment.length === 0)) {
    throw invalid(text, 'has an empty segment (a leading, trailing or double "/")');
  }
  const segments = rawSegments.map((raw) => parseSegment(text, raw));
  const logTypeSegments = segments.flatMap((segment, index) =>
    segment.parts.some((part) => part.kind === 'logType') ? [index] : [],
  );
  if (logTypeSegments.length > 1) throw invalid(text, 'has {logType} more than once');
  const groups = segments.flatMap((segment) => segment.parts.filter((part) => part.kind !== 'literal'));
  const units = new Set(groups.flatMap((part) => (part.kind === 'time' ? [part.unit] : [])));
  const missing = TIME_UNITS.findIndex((unit) => !units.has(unit));
  const present = missing === -1 ? TIME_UNITS.length : missing;
  if (units.size > present) {
    throw invalid(
      text,
      `has ${[...units].map(tokenOf).join(', ')} without ${tokenOf(TIME_UNITS[present])}: a time token needs every coarser one`,
    );
  }
  return {
    text,
    segments,
    logTypeSegment: logTypeSegments[0],
    timeFolders: timeFoldersOf(segments),
    keyResolution: present === 0 ? undefined : TIME_UNITS[present - 1],
    regex: new RegExp(`^${segments.map((segment) => sourceOf(segment.parts)).join('/')}$`),
    groups,
  };
}

function tokenOf(unit: TimeUnit): string {
  return `{${Object.keys(TOKEN_UNITS).find((token) => TOKEN_UNITS[token] === unit)}}`;
}

function parseSegment(text: string, raw: string): Segment {
  const parts: Part[] = [];
  let rest = raw;
  while (rest.length > 0) {
    if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      if (close === -1) throw invalid(text, `has an unclosed "{" in '${raw}'`);
      const name = rest.slice(1, close);
      rest = rest.slice(close + 1);
      if (name === 'logType') parts.push({ kind: 'logType' });
      else if (name === '*') parts.push({ kind: 'any' });
      else if (Object.hasOwn(TOKEN_UNITS, name)) parts.push({ kind: 'time', unit: TOKEN_UNITS[name] });
      else {
        throw invalid(
          text,
          `has an unknown token {${name}}: use {logType}, {yyyy}, {MM}, {dd}, {HH}, {mm} or {*}`,
        );
      }
      continue;
    }
    const next = rest.indexOf('{');
    const literal = next === -1 ? rest : rest.slice(0, next);
    if (!LITERAL.test(literal)) {
      throw invalid(text, `has '${literal}': literal text may hold letters, digits and !_.'()=,@+-`);
    }
    parts.push({ kind: 'literal', text: literal });
    rest = rest.slice(literal.length);
  }
  if (parts.some((part) => part.kind === 'logType') && parts.length > 1) {
    throw invalid(text, `has {logType} inside '${raw}': it must be a whole segment`);
  }
  for (let index = 1; index < parts.length; index += 1) {
    const [before, after] = [parts[index - 1], parts[index]];
    if (
      (before.kind === 'any' || after.kind === 'any') &&
      before.kind !== 'literal' &&
      after.kind !== 'literal'
    ) {
      throw invalid(text, `has {*} next to another token in '${raw}': separate them with literal text`);
    }
  }
  if (raw === '..' || raw === '.') throw invalid(text, `has a '${raw}' segment`);
  return { parts, regex: new RegExp(`^${sourceOf(parts)}$`) };
}

function sourceOf(parts: readonly Part[]): string {
  return parts
    .map((part) => {
      switch (part.kind) {
        case 'literal':
          return part.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        case 'time':
          return `(\\d{${UNIT_WIDTH[part.unit]}})`;
        case 'logType':
          return LOG_TYPE_GROUP;
        case 'any':
          return '([^/]+)';
      }
    })
    .join('');
}

/** The leading run of segments holding only time tokens (in calendar order, each once) and literals. */
function timeFoldersOf(segments: readonly Segment[]): KeyPattern['timeFolders'] {
  const first = segments.findIndex((segment) => segment.parts.some((part) => part.kind === 'time'));
  // The last segment is the file name: only folders are listed.
  if (first === -1 || first === segments.length - 1) return undefined;
  const units: TimeUnit[] = [];
  let end = first;
  for (; end < segments.length - 1; end += 1) {
    const { parts } = segments[end];
    if (parts.some((part) => part.kind === 'any' || part.kind === 'logType')) break;
    const times = parts.flatMap((part) => (part.kind === 'time' ? [part.unit] : []));
    if (times.length === 0) break;
    if (!times.every((unit, index) => unit === TIME_UNITS[units.length + index])) break;
    units.push(...times);
  }
  return units.length === 0 ? undefined : { first, end, units };
}

/** What `rest` (a key without its source prefix) says, or undefined when it does not follow the layout. */
export function matchKey(pattern: KeyPattern, rest: string): KeyMatch | undefined {
  const match = pattern.regex.exec(rest);
  if (!match) return undefined;
  let logType: string | undefined;
  const values: Partial<Record<TimeUnit, number>> = {};
  for (let index = 0; index < pattern.groups.length; index += 1) {
    const part = pattern.groups[index];
    const value = match[index + 1];
    if (part.kind === 'logType') logType = value;
    if (part.kind !== 'time') continue;
    const number = Number(value);
    if (values[part.unit] !== undefined && values[part.unit] !== number) return undefined;
    values[part.unit] = number;
  }
  const resolution = pattern.keyResolution;
  if (!resolution) return { logType };
  const start = instantOf(values);
  if (!start) return undefined;
  return { logType, time: { start, unit: resolution } };
}

/** The first instant of the named year/month/... or undefined for an impossible date (02/30, hour 24). */
function instantOf(values: Partial<Record<TimeUnit, number>>): Date | undefined {
  const year = values.year!;
  const month = values.month ?? 1;
  const day = values.day ?? 1;
  const hour = values.hour ?? 0;
  const minute = values.minute ?? 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59) return undefined;
  const at = new Date(Date.UTC(year, month - 1, day, hour, minute));
  // Date.UTC maps years 0-99 to 1900-1999.
  at.setUTCFullYear(year);
  return at.getUTCDate() === day ? at : undefined;
}

/**
 * The log type a key names even when the rest of it does not follow the layout: the `{logType}`
 * segment, when every segment before it matches. (A StrongDM key `sdm/logs/activities/x.json` still
 * says `activities`.)
 */
export function logTypeOfKey(pattern: KeyPattern, rest: string): string | undefined {
  const index = pattern.logTypeSegment;
  if (index === undefined) return undefined;
  const segments = rest.split('/');
  if (segments.length <= index + 1) return undefined;
  for (let position = 0; position <= index; position += 1) {
    if (!pattern.segments[position].regex.test(segments[position])) return undefined;
  }
  return segments[index];
}

/** The instant one `unit` after `at` (aligned to the unit). */
export function nextInstant(at: Date, unit: TimeUnit): Date {
  const next = new Date(at.getTime());
  switch (unit) {
    case 'year':
      next.setUTCFullYear(at.getUTCFullYear() + 1);
      break;
    case 'month':
      next.setUTCMonth(at.getUTCMonth() + 1);
      break;
    case 'day':
      next.setUTCDate(at.getUTCDate() + 1);
      break;
    case 'hour':
      next.setUTCHours(at.getUTCHours() + 1);
      break;
    case 'minute':
      next.setUTCMinutes(at.getUTCMinutes() + 1);
      break;
  }
  return next;
}

/** `at` rounded down to the unit. */
export function floorTo(at: Date, unit: TimeUnit): Date {
  const depth = TIME_UNITS.indexOf(unit);
  const year = at.getUTCFullYear();
  const floored = new Date(
    Date.UTC(
      year,
      depth >= 1 ? at.getUTCMonth() : 0,
      depth >= 2 ? at.getUTCDate() : 1,
      depth >= 3 ? at.getUTCHours() : 0,
      depth >= 4 ? at.getUTCMinutes() : 0,
    ),
  );
  // Date.UTC maps years 0-99 to 1900-1999.
  floored.setUTCFullYear(year);
  return floored;
}

/** `at` rounded up to the unit. */
export function ceilTo(at: Date, unit: TimeUnit): Date {
  const floor = floorTo(at, unit);
  return floor.getTime() === at.getTime() ? floor : nextInstant(floor, unit);
}

function alignedTo(at: Date, unit: TimeUnit): boolean {
  return floorTo(at, unit).getTime() === at.getTime();
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function valueOf(at: Date, unit: TimeUnit): number {
  switch (unit) {
    case 'year':
      return at.getUTCFullYear();
    case 'month':
      return at.getUTCMonth() + 1;
    case 'day':
      return at.getUTCDate();
    case 'hour':
      return at.getUTCHours();
    case 'minute':
      return at.getUTCMinutes();
  }
}

/**
 * The text of the time folders for `at` down to `unit`: every part up to that unit's token, then the
 * literal text after it up to the next token, and a `/` when that ends the folder. Because the tokens
 * are fixed-width, such a prefix holds exactly the keys of that year (month, day…).
 */
function folderText(pattern: KeyPattern, at: Date, unit: TimeUnit): string {
  const folders = pattern.timeFolders!;
  let text = '';
  for (let index = folders.first; index < folders.end; index += 1) {
    const { parts } = pattern.segments[index];
    for (let position = 0; position < parts.length; position += 1) {
      const part = parts[position];
      if (part.kind === 'literal') text += part.text;
      else if (part.kind === 'time') {
        text += pad(valueOf(at, part.unit), UNIT_WIDTH[part.unit]);
        if (part.unit !== unit) continue;
        for (let after = position + 1; after < parts.length && parts[after].kind === 'literal'; after += 1) {
          text += (parts[after] as { text: string }).text;
          position = after;
        }
        return position === parts.length - 1 ? `${text}/` : text;
      }
    }
    text += '/';
  }
  return text;
}

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * The key prefixes of the time folders (relative to the folders before them) that cover the range at
 * the finest unit the folders give, coarsest first and in key order, disjoint: `2024/`, `2024/02/01/`,
 * `20240201/`… A `from` inside a unit includes that unit; so does a `to` inside one (minute M is in
 * the range when floor(from) <= M < to, as for StrongDM's minute folders). `widenBefore` adds one unit
 * before the range (for objects whose time comes from LastModified, written after their folder's time).
 */
export function timeFolderPrefixes(
  pattern: KeyPattern,
  range: TimeRange,
  options: { readonly widenBefore?: boolean } = {},
): string[] {
  const folders = pattern.timeFolders;
  if (!folders) throw new RangeError(`key layout '${pattern.text}' has no time folders`);
  if (!Number.isFinite(range.from.getTime()) || !Number.isFinite(range.to.getTime())) {
    throw new RangeError('invalid time range');
  }
  const finest = folders.units[folders.units.length - 1];
  let start = floorTo(range.from, finest);
  if (options.widenBefore) start = previousInstant(start, finest);
  const end = ceilTo(range.to, finest);
  const prefixes: string[] = [];
  let cursor = start;
  while (cursor < end) {
    const unit =
      folders.units.find(
        (candidate) => alignedTo(cursor, candidate) && nextInstant(cursor, candidate) <= end,
      ) ?? finest;
    prefixes.push(folderText(pattern, cursor, unit));
    cursor = nextInstant(cursor, unit);
  }
  return prefixes;
}

function previousInstant(at: Date, unit: TimeUnit): Date {
  const previous = new Date(at.getTime());
  switch (unit) {
    case 'year':
      previous.setUTCFullYear(at.getUTCFullYear() - 1);
      break;
    case 'month':
      previous.setUTCMonth(at.getUTCMonth() - 1);
      break;
    case 'day':
      previous.setUTCDate(at.getUTCDate() - 1);
      break;
    case 'hour':
      previous.setUTCHours(at.getUTCHours() - 1);
      break;
    case 'minute':
      previous.setUTCMinutes(at.getUTCMinutes() - 1);
      break;
  }
  return previous;
}

/** True when the interval a key names meets the range at minute resolution (floor(from) <= t < to). */
export function intervalInRange(
  time: { readonly start: Date; readonly unit: TimeUnit },
  range: TimeRange,
): boolean {
  const from = floorTo(range.from, 'minute').getTime();
  return time.start.getTime() < range.to.getTime() && nextInstant(time.start, time.unit).getTime() > from;
}

/**
 * The literal text every key of a layout anchored at the bucket root starts with, for layouts whose
 * first segment begins with literal text or a time token: `['AWSLogs/']`-like literals, or the ten
 * digits for a layout that starts with `{yyyy}` (GitHub's keys start with the year). Undefined when the
 * layout starts with `{logType}` or `{*}`, which could be anything.
 */
export function rootKeyPrefixes(pattern: KeyPattern): string[] | undefined {
  const [first] = pattern.segments[0].parts;
  if (first.kind === 'literal') {
    return [
      pattern.segments[0].parts.length === 1 && pattern.segments.length > 1 ? `${first.text}/` : first.text,
    ];
  }
  if (first.kind === 'time') return ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  return undefined;
}
