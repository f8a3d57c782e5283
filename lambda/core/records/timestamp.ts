import { SluiceError } from '../errors';
import { civilFromDays, daysFromCivil, daysInMonth } from './civil-time';
import {
  type ExactDecimal,
  floorDiv,
  formatDecimal,
  limitScale,
  parseDecimal,
  pow10,
  stripTrailingZeros,
} from './exact-decimal';
import type { RecordTimestamp } from './types';

/**
 * RFC 3339 / ISO 8601 date-time with a zone: `T` (or `t`, or a space, as RFC 3339 allows), any number
 * of fraction digits (nanoseconds kept, finer ones dropped), `Z` or an offset with or without colon.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;

const SECONDS_PER_DAY = 86_400;
/** Four-digit years only: that is what RFC 3339 can write. */
const MIN_SECONDS = daysFromCivil(0, 1, 1) * SECONDS_PER_DAY;
const MAX_SECONDS = daysFromCivil(9999, 12, 31) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1;
/**
 * Epoch numbers at or above 1e11 in magnitude are milliseconds: 1e11 seconds is the year 5138, while
 * 1e11 milliseconds is March 1973, so no plausible log time is ambiguous.
 */
const MILLIS_THRESHOLD = 10n ** 11n;
const NANOSECOND_DIGITS = 9;

/**
 * A record's time from its timestamp field: an RFC 3339 string, or epoch seconds or milliseconds as
 * a number or a numeric string. Undefined when absent or not understood (the caller falls back to
 * the object's event time). Leap seconds (`:60`) are not representable and count as not understood.
 */
export function parseTimestamp(value: unknown): RecordTimestamp | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? fromEpochText(String(value)) : undefined;
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const match = DATE_TIME.exec(value);
  return match ? fromDateTime(match) : fromEpochText(value);
}

/** The fallback time (the S3 event time), at its millisecond precision. */
export function timestampFromDate(date: Date): RecordTimestamp {
  const millis = date.getTime();
  const timestamp = Number.isFinite(millis)
    ? fromExact(stripTrailingZeros({ units: BigInt(millis), scale: 3 }))
    : undefined;
  if (!timestamp) {
    throw new SluiceError('TIMESTAMP_OUT_OF_RANGE', 'date cannot be written as an RFC 3339 timestamp', {
      millis,
    });
  }
  return timestamp;
}

function fromDateTime(match: RegExpExecArray): RecordTimestamp | undefined {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fraction = match[7] ?? '';
  const sign = match[8] === '-' ? -1 : 1;
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
  const seconds =
    daysFromCivil(year, month, day) * SECONDS_PER_DAY +
    hour * 3600 +
    minute * 60 +
    second -
    sign * (offsetHours * 3600 + offsetMinutes * 60);
  const exact = {
    units: BigInt(seconds) * pow10(fraction.length) + BigInt(fraction || 0),
    scale: fraction.length,
  };
  // The fraction is kept as written (trailing zeros included), only cut to nanoseconds.
  return fromExact(limitScale(exact, NANOSECOND_DIGITS));
}

function fromEpochText(text: string): RecordTimestamp | undefined {
  const parsed = parseDecimal(text);
  if (!parsed) return undefined;
  const magnitude = parsed.units < 0n ? -parsed.units : parsed.units;
  const isMillis = magnitude >= MILLIS_THRESHOLD * pow10(parsed.scale);
  const seconds = isMillis ? { units: parsed.units, scale: parsed.scale + 3 } : parsed;
  // A number has no written precision to keep: `1706813404000` ms is `1706813404` s.
  return fromExact(stripTrailingZeros(limitScale(seconds, NANOSECOND_DIGITS)));
}

function fromExact(epochSeconds: ExactDecimal): RecordTimestamp | undefined {
  const unit = pow10(epochSeconds.scale);
  const wholeSeconds = floorDiv(epochSeconds.units, unit);
  if (wholeSeconds < BigInt(MIN_SECONDS) || wholeSeconds > BigInt(MAX_SECONDS)) return undefined;
  const fraction = epochSeconds.units - wholeSeconds * unit;
  const seconds = Number(wholeSeconds);
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const inDay = seconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const fractionText =
    epochSeconds.scale > 0 ? `.${fraction.toString().padStart(epochSeconds.scale, '0')}` : '';
  const iso =
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T` +
    `${pad(Math.floor(inDay / 3600), 2)}:${pad(Math.floor((inDay % 3600) / 60), 2)}:${pad(inDay % 60, 2)}` +
    `${fractionText}Z`;
  return {
    iso,
    epochSeconds: formatDecimal(epochSeconds),
    epochMillis: Number(floorDiv(epochSeconds.units * 1000n, unit)),
  };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
