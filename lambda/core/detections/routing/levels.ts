import { LEVELS, type Level } from '../sigma/types';

/** Sigma levels in increasing order of urgency: `informational` 0 … `critical` 4. */
export const LEVEL_RANK: Readonly<Record<Level, number>> = Object.freeze(
  Object.fromEntries(LEVELS.map((level, rank) => [level, rank])) as Record<Level, number>,
);

/** The levels at or above `min`, in increasing order. */
export function levelsFrom(min: Level): Level[] {
  return LEVELS.filter((level) => LEVEL_RANK[level] >= LEVEL_RANK[min]);
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * Sigma level → PagerDuty Events API v2 `payload.severity` (critical, error, warning, info). Sigma has
 * five levels and PagerDuty four: the two lowest share `info`. Sigma intends `informational` and `low`
 * rules for correlation and hunting rather than alerting on their own, so neither should look like
 * anything but information on a pager; `medium` rules "can have environment dependent false positives"
 * (a warning); `high` "requires a prompt review" (an error); `critical` "should be reviewed
 * immediately" (critical).
 */
export const PAGERDUTY_SEVERITY: Readonly<Record<Level, PagerDutySeverity>> = Object.freeze({
  informational: 'info',
  low: 'info',
  medium: 'warning',
  high: 'error',
  critical: 'critical',
});
