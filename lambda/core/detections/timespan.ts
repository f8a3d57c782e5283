const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A timespan's text: a whole number and a lower-case unit (also the configuration's durations). */
export const TIMESPAN_PATTERN = /^([1-9]\d{0,6})([smhd])$/;

/** Sigma's timespan: a whole number and a lower-case unit, `30s`, `5m`, `1h`, `7d`. Throws a reason otherwise. */
export function parseTimespan(text: string): number {
  const match = TIMESPAN_PATTERN.exec(text);
  if (!match) throw new Error(`"${text}" is not a Sigma timespan: a number and s, m, h or d, e.g. 5m`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
