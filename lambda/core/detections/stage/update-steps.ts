/**
 * The running counts at which an open alert is written again: 2, 5, 10, 20, 50, 100, 200, … (a
 * 1-2-5 series). A burst that grows an alert by every batch writes about three objects per tenfold
 * growth instead of one per batch, and each step is one object name, whichever batch reaches it.
 */

/** The largest step of the series at most `count` (1 for a count below 2, where no update is due). */
export function stepAtMost(count: number): number {
  if (!(count >= 2)) return 1;
  let power = 1;
  while (power * 10 <= count) power *= 10;
  if (count >= 5 * power) return 5 * power;
  if (count >= 2 * power) return 2 * power;
  return power;
}
