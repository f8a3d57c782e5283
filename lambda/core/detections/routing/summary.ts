import type { AlertDocument, GroupValue } from '../alerts/document';

/**
 * Cuts text to `max` UTF-16 code units, marking the cut with `…`, never inside an emoji (a surrogate
 * pair). Code units, not code points: a service that counts either (PagerDuty does not say which;
 * JavaScript's `length` counts units) takes the result.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Control characters and line breaks become spaces (subjects, headers and one-line texts). */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

function valueText(value: GroupValue): string {
  return value === null ? '(none)' : String(value);
}

/** The group-by values as `field=value` pairs, e.g. `user=alice, sourceAddress=10.0.0.1`. */
export function groupPairs(alert: AlertDocument): [string, string][] {
  return Object.entries(alert.group).map(([field, value]) => [field, oneLine(valueText(value))]);
}

export function groupText(alert: AlertDocument): string {
  return groupPairs(alert)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ');
}

/** `5 min`, `1 h`, `90 s`, `2 d`: a timespan as people write it. */
export function durationText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}

/** What was counted: `1 matching record`, `12 records within 5 min (threshold ≥ 10)`. */
export function countText(alert: AlertDocument): string {
  const { count, threshold } = alert;
  if (!threshold) return `${count} matching record${count === 1 ? '' : 's'}`;
  const what = alert.rule.type === 'value_count' ? 'distinct values' : 'records';
  const comparison = threshold.comparison === 'gt' ? '>' : '≥';
  return `${count} ${what} within ${durationText(threshold.timespanMs)} (threshold ${comparison} ${threshold.value})`;
}

/** `HIGH: Destructive SQL on a production resource`, `(updated)` when the running count grew. */
export function headline(alert: AlertDocument): string {
  const update = alert.status === 'updated' ? ' (updated)' : '';
  return oneLine(`${alert.level.toUpperCase()}${update}: ${alert.rule.title}`);
}

function attackText(alert: AlertDocument): string {
  const parts = [...alert.attack.techniques, ...alert.attack.tactics];
  return parts.length > 0 ? ` ATT&CK: ${parts.join(', ')}.` : '';
}

/**
 * One paragraph that says what happened, without links: no URL of ours (a chat unfurls them and a pager
 * cannot open them) and no record content beyond the group-by values.
 */
export function summaryText(alert: AlertDocument): string {
  const group = groupText(alert);
  const span =
    alert.firstEventTime === alert.lastEventTime
      ? `at ${alert.firstEventTime}`
      : `from ${alert.firstEventTime} to ${alert.lastEventTime}`;
  const running =
    alert.occurrences > alert.count ? ` ${alert.occurrences} records in this alert so far.` : '';
  return oneLine(
    `${alert.rule.title} (${alert.level}): ${countText(alert)}${group ? ` for ${group}` : ''}, ${span}.` +
      `${running} Rule ${alert.rule.key} (${alert.rule.file}).${attackText(alert)}`,
  );
}
