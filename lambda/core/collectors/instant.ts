import { parseTimestamp } from '../records/timestamp';
import type { RecordTimestamp } from '../records/types';

/**
 * Orders two event times exactly (to the nanosecond the API wrote): whole epoch seconds first, then
 * the fraction's digits. Epoch-millisecond numbers would merge events a microsecond apart.
 */
export function compareTimestamps(a: RecordTimestamp, b: RecordTimestamp): number {
  const [aSeconds, aFraction = ''] = a.epochSeconds.split('.');
  const [bSeconds, bFraction = ''] = b.epochSeconds.split('.');
  const seconds = Number(aSeconds) - Number(bSeconds);
  if (seconds !== 0) return Math.sign(seconds);
  const width = Math.max(aFraction.length, bFraction.length);
  const x = aFraction.padEnd(width, '0');
  const y = bFraction.padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An RFC 3339 checkpoint time, read back at its full precision. */
export function timestampOf(iso: string): RecordTimestamp {
  const parsed = parseTimestamp(iso);
  if (!parsed) throw new RangeError(`'${iso}' is not an RFC 3339 time`);
  return parsed;
}

export function timestampFromMillis(millis: number): RecordTimestamp {
  return timestampOf(new Date(millis).toISOString());
}

/** The format an API wants its time bounds in. */
export type TimeFormat = 'rfc3339' | 'epoch-seconds' | 'epoch-millis';

/** The precision of a bound written in `format`, in ms: the events within one are alike to the API's filter. */
export function boundPrecisionMs(format: TimeFormat): number {
  return format === 'epoch-millis' ? 1 : 1000;
}

/**
 * A time bound as the API reads it, rounded DOWN to the format's precision (whole seconds, or
 * milliseconds): an inclusive lower bound must never start after the event it has to return again.
 * The events between the rounded bound and the real one come back and are dropped by the engine.
 */
export function formatBound(at: Date, format: TimeFormat): string {
  const millis = at.getTime();
  switch (format) {
    case 'rfc3339':
      return `${new Date(Math.floor(millis / 1000) * 1000).toISOString().slice(0, 19)}Z`;
    case 'epoch-seconds':
      return String(Math.floor(millis / 1000));
    case 'epoch-millis':
      return String(Math.floor(millis));
  }
}
