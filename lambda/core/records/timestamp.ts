import { SluiceError } from '../errors';
import { civilFromDays, daysFromCivil, daysInMonth } from './civil-time';
import type { RecordTimestamp } from './types';

/**
 * RFC 3339 / ISO 8601 date-time with a zone: `T` (or `t`, or a space, as RFC 3339 allows), any number
 * of fraction digits, `Z` or an offset with or without colon.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
/** Decimal text as JSON and `String(number)` write it, exponent included. */
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

const SECONDS_PER_DAY = 86_400;
/** Four-digit years only: that is what RFC 3339 can write. */
const MIN_SECONDS = daysFromCivil(0, 1, 1) * SECONDS_PER_DAY;
const MAX_SECONDS = daysFromCivil(9999, 12, 31) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1;
/**
 * Epoch numbers at or above 1e11 in magnitude are milliseconds: 1e11 seconds is the year 5138, while
 * 1e11 milliseconds is March 1973, so no plausible log time is ambiguous. The same reasoning places
 * microseconds from 1e15 and nanoseconds (Cloudflare Logpush's default `unixnano`) from 1e18: read in
 * the coarser unit, either is the year 33658, beyond RFC 3339; read in the finer one, September 2001.
 * (Micro- and nanoseconds before that are not understood rather than misread.)
 */
const MILLIS_THRESHOLD = 1e11;
const MICROS_THRESHOLD = 1e15;
/** Integer digits from which decimal text is milliseconds, microseconds, nanoseconds (1e11, 1e15, 1e18). */
const MILLIS_DIGITS = 12;
const MICROS_DIGITS = 16;
const NANOS_DIGITS = 19;
/** Digits beyond nanoseconds are dropped. */
const MAX_FRACTION_DIGITS = 9;
/** Longer numeric text is no timestamp; the bound also keeps the text handling cheap. */
const MAX_DIGITS = 40;

/**
 * An instant as whole epoch seconds (rounded down) plus the decimal digits of the fraction of a
 * second, which is always >= 0. Integers and digit strings instead of a float or BigInt: exact to
 * the nanosecond, and cheap enough to run for every record.
 */
interface Instant {
  readonly seconds: number;
  readonly fraction: string;
}

/**
 * A record's time from its timestamp field: an RFC 3339 string (its fraction kept as written, up to
 * nanoseconds), or epoch seconds, milliseconds, microseconds or nanoseconds as a number or a numeric
 * string (told apart by magnitude, see MILLIS_THRESHOLD). Undefined when
 * absent or not understood: the caller falls back to the object's event time. Leap seconds (`:60`)
 * are not representable and count as not understood.
 */
export function parseTimestamp(value: unknown): RecordTimestamp | undefined {
  if (typeof value === 'number') return fromEpochNumber(value);
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const canonical = fromCanonicalUtc(value);
  if (canonical !== NOT_CANONICAL) return canonical;
  const match = DATE_TIME.exec(value);
  return match ? fromDateTime(value, match) : fromEpochText(value);
}

/** The fallback time (the S3 event time), at its millisecond precision. */
export function timestampFromDate(date: Date): RecordTimestamp {
  const timestamp = fromEpochMillis(date.getTime());
  if (!timestamp) {
    throw new SluiceError('TIMESTAMP_OUT_OF_RANGE', 'date cannot be written as an RFC 3339 timestamp', {
      millis: date.getTime(),
    });
  }
  return timestamp;
}

const NOT_CANONICAL = Symbol('not canonical');
const ZERO = 0x30;

/** The value of the two or four ASCII digits at `at`, or NaN. */
function digitsAt(text: string, at: number, count: 2 | 4): number {
  let value = 0;
  for (let index = at; index < at + count; index += 1) {
    const digit = text.charCodeAt(index) - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The vendor's form, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with at most nine fraction digits, read
 * without a regular expression: it is parsed for every record. NOT_CANONICAL sends any other text
 * to the general parser.
 */
function fromCanonicalUtc(text: string): RecordTimestamp | undefined | typeof NOT_CANONICAL {
  const length = text.length;
  if (length < 20 || length > 30 || text.charCodeAt(length - 1) !== 0x5a /* Z */) return NOT_CANONICAL;
  if (
    text.charCodeAt(4) !== 0x2d /* - */ ||
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x54 /* T */ ||
    text.charCodeAt(13) !== 0x3a /* : */ ||
    text.charCodeAt(16) !== 0x3a
  )
    return NOT_CANONICAL;
  if (length > 20) {
    if (text.charCodeAt(19) !== 0x2e /* . */ || length === 21) return NOT_CANONICAL;
    for (let index = 20; index < length - 1; index += 1) {
      const digit = text.charCodeAt(index) - ZERO;
      if (digit < 0 || digit > 9) return NOT_CANONICAL;
    }
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // NaN (a non-digit) fails every comparison.
  const fieldsValid =
    year >= 0 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59;
  if (!fieldsValid) return NOT_CANONICAL;
  if (day > daysInMonth(year, month)) return undefined;
  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return build({ seconds, fraction: length > 20 ? text.slice(20, length - 1) : '' }, text);
}

function fromDateTime(text: string, match: RegExpExecArray): RecordTimestamp | undefined {
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  const fraction = (match[7] ?? '').slice(0, MAX_FRACTION_DIGITS);
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) return undefined;
  const offset = (match[8] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  const seconds =
    daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset;
  // Already canonical (the vendor's usual form): the text is the ISO form, no need to rebuild it.
  const canonical =
    match[8] === undefined &&
    text[10] === 'T' &&
    text.endsWith('Z') &&
    fraction.length === (match[7] ?? '').length;
  return build({ seconds, fraction }, canonical ? text : undefined);
}

function fromEpochNumber(value: number): RecordTimestamp | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Number.isSafeInteger(value)) {
    // The common cases, without going through text.
    const magnitude = Math.abs(value);
    if (magnitude < MILLIS_THRESHOLD) return build({ seconds: value || 0, fraction: '' });
    if (magnitude < MICROS_THRESHOLD) return fromEpochMillis(value);
  }
  return fromEpochText(String(value));
}

function fromEpochMillis(millis: number): RecordTimestamp | undefined {
  if (!Number.isSafeInteger(millis)) return undefined;
  const seconds = Math.floor(millis / 1000);
  const rest = millis - seconds * 1000;
  return build({ seconds, fraction: rest === 0 ? '' : trimZeros(String(rest).padStart(3, '0')) });
}

/** Epoch seconds, or milli-, micro- or nanoseconds by magnitude, written as decimal text: moved into an Instant digit by digit. */
function fromEpochText(text: string): RecordTimestamp | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, whole, written = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (whole.length + written.length > MAX_DIGITS || Math.abs(exponent) > MAX_DIGITS) return undefined;
  // Place the decimal point `exponent` digits further right.
  const digits = whole + written;
  const point = whole.length + exponent;
  let integer = point <= 0 ? '' : digits.slice(0, point).padEnd(point, '0');
  let fraction = point >= digits.length ? '' : point < 0 ? '0'.repeat(-point) + digits : digits.slice(point);
  integer = integer.replace(/^0+/, '');
  const shift =
    integer.length >= NANOS_DIGITS
      ? 9
      : integer.length >= MICROS_DIGITS
        ? 6
        : integer.length >= MILLIS_DIGITS
          ? 3
          : 0;
  if (shift > 0) {
    fraction = integer.slice(-shift) + fraction;
    integer = integer.slice(0, -shift);
  }
  if (integer.length > 15) return undefined;
  // A number has no written precision to keep: `1706813404000` ms is `1706813404` s.
  fraction = trimZeros(fraction.slice(0, MAX_FRACTION_DIGITS));
  const magnitude = Number(integer || '0');
  if (sign !== '-') return build({ seconds: magnitude, fraction });
  if (fraction === '') return build({ seconds: -magnitude || 0, fraction });
  // -12.25 is -13 + 0.75: the Instant's fraction counts forwards from the second before.
  return build({ seconds: -magnitude - 1, fraction: complement(fraction) });
}

function build(instant: Instant, iso?: string): RecordTimestamp | undefined {
  const { seconds, fraction } = instant;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return undefined;
  return {
    iso: iso ?? formatIso(instant),
    epochSeconds: formatEpochSeconds(instant),
    epochMillis: seconds * 1000 + millisOf(fraction),
  };
}

/** The whole milliseconds of a fraction's digits (`0625` -> 62), read in place: it runs for every record. */
function millisOf(fraction: string): number {
  let millis = 0;
  for (let index = 0; index < 3; index += 1) {
    millis = millis * 10 + (index < fraction.length ? fraction.charCodeAt(index) - ZERO : 0);
  }
  return millis;
}

function formatIso({ seconds, fraction }: Instant): string {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const inDay = seconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T` +
    `${pad(Math.floor(inDay / 3600), 2)}:${pad(Math.floor((inDay % 3600) / 60), 2)}:${pad(inDay % 60, 2)}` +
    `${fraction === '' ? '' : `.${fraction}`}Z`
  );
}

/** Decimal text of the instant: `-1.25` for (-2 s, .75). */
function formatEpochSeconds({ seconds, fraction }: Instant): string {
  if (fraction === '') return String(seconds);
  if (seconds >= 0 || /^0+$/.test(fraction)) return `${seconds}.${fraction}`;
  return `-${-(seconds + 1)}.${complement(fraction)}`;
}

/** The digits of 1 - 0.<digits>, to the same number of digits (`25` -> `75`); digits must not be all zeros. */
function complement(digits: string): string {
  return String(10 ** digits.length - Number(digits)).padStart(digits.length, '0');
}

function trimZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30) end -= 1;
  return digits.slice(0, end);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
