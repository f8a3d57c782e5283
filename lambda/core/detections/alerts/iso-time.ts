/** Largest epoch millisecond whose ISO text has a four-digit year (9999-12-31T23:59:59.999Z). */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
const MINUTE_MS = 60_000;

let cachedMinute = Number.NaN;
let cachedPrefix = '';

function pad(value: number, width: number): string {
  const text = String(value);
  return text.length >= width ? text : '0'.repeat(width - text.length) + text;
}

/**
 * `new Date(ms).toISOString()`, without a Date per call: an alert lists up to 100 record times, and
 * records of a burst share their minute, whose text is kept from the call before. Other values
 * (fractions, years outside 0000-9999) take the Date path.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_FOUR_DIGIT_YEAR_MS) return new Date(ms).toISOString();
  const minute = Math.floor(ms / MINUTE_MS);
  if (minute !== cachedMinute) {
    cachedMinute = minute;
    cachedPrefix = new Date(minute * MINUTE_MS).toISOString().slice(0, 17); // 2024-02-01T18:50:
  }
  const rest = ms - minute * MINUTE_MS;
  const seconds = Math.floor(rest / 1000);
  return `${cachedPrefix}${pad(seconds, 2)}.${pad(rest - seconds * 1000, 3)}Z`;
}
