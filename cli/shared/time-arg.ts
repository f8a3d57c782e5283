import { usageError } from './errors';

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A time given on the command line: `now`, a duration before now (`90m`, `6h`, `7d`, also `-6h`), or
 * an ISO 8601 date/time. Times without a zone are UTC, like the key layout (`2024-02-01` is midnight
 * UTC, `2024-02-01T18:50` is 18:50 UTC).
 */
export function parseTimeArg(value: string, now: Date = new Date(), name = 'time'): Date {
  const text = value.trim();
  if (text === 'now') return now;
  const relative = /^-?(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]]);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (iso) {
    const zoned = iso[4] ? text : `${text}${iso[1] ? 'Z' : 'T00:00:00Z'}`;
    const date = new Date(zoned);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw usageError(
    `${name} '${value}' is not a time. Fix: use an ISO 8601 UTC time (2024-02-01T18:50Z, 2024-02-01), 'now', or a duration ago (90m, 6h, 7d)`,
  );
}

/** A positive number option (`--rate 50`, `--max 1000`). */
export function parsePositive(name: string, options: { integer?: boolean; max?: number } = {}) {
  return (value: string): number => {
    const parsed = Number(value);
    const valid =
      Number.isFinite(parsed) &&
      parsed > 0 &&
      (!options.integer || Number.isInteger(parsed)) &&
      (options.max === undefined || parsed <= options.max);
    if (!valid) {
      const kind = options.integer ? 'a whole number' : 'a number';
      const bound = options.max === undefined ? '' : ` up to ${options.max}`;
      throw usageError(`${name} '${value}' must be ${kind} above 0${bound}`);
    }
    return parsed;
  };
}
