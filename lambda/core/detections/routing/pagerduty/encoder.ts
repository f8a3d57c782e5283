import type { AlertDocument } from '../../alerts/document';
import { PAGERDUTY_SEVERITY, type PagerDutySeverity } from '../levels';
import { summaryText, truncate } from '../summary';

/** PagerDuty's documented limits: `payload.summary` up to 1024 characters, `dedup_key` up to 255. */
export const SUMMARY_MAX = 1024;
export const DEDUP_KEY_MAX = 255;
/** Record references in `custom_details`: enough to start, the alert document holds them all. */
const DETAIL_RECORDS = 10;
/**
 * PagerDuty refuses an event above 512 KB (Events API v2 overview). Only the group-by values are
 * unbounded (record fields), and `custom_details` carries them twice (`group_by`, `dedup_key`): an
 * event above this keeps each value's first characters instead.
 */
export const EVENT_MAX_BYTES = 500_000;
const GROUP_VALUE_MAX = 1024;

/**
 * The alert's dedup key (rule, group, period) is the event's `dedup_key`: every trigger for the same
 * alert within its dedup period lands on one PagerDuty alert (and incident) instead of paging again. A
 * key above PagerDuty's 255 characters (long group-by values) becomes the alert id, which is a hash of
 * it: as stable, only shorter.
 */
export function pagerDutyDedupKey(alert: AlertDocument): string {
  return alert.dedupKey.length <= DEDUP_KEY_MAX ? alert.dedupKey : `sluice:${alert.alertId}`;
}

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger';
  readonly dedup_key: string;
  readonly client: string;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp: string;
    readonly component: string;
    readonly group?: string;
    readonly class: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
}

/**
 * An Events API v2 `trigger` event. `summary` is the link-free summary; `severity` is mapped from the
 * Sigma level (see PAGERDUTY_SEVERITY); `component` is the rule, `class` its kind (detection,
 * event_count, value_count), `group` its first ATT&CK tactic; `custom_details` the facts of the alert
 * without record content (no samples: a pager is not a place for audit records).
 */
export function pagerDutyEvent(alert: AlertDocument, routingKey: string, source: string): PagerDutyEvent {
  const event = triggerEvent(alert, routingKey, source, alert.group, alert.dedupKey);
  if (Buffer.byteLength(JSON.stringify(event)) <= EVENT_MAX_BYTES) return event;
  const cut = Object.fromEntries(
    Object.entries(alert.group).map(([field, value]) => [
      field,
      typeof value === 'string' ? truncate(value, GROUP_VALUE_MAX) : value,
    ]),
  );
  return triggerEvent(alert, routingKey, source, cut, pagerDutyDedupKey(alert));
}

function triggerEvent(
  alert: AlertDocument,
  routingKey: string,
  source: string,
  groupBy: AlertDocument['group'],
  dedupKey: string,
): PagerDutyEvent {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: pagerDutyDedupKey(alert),
    client: 'sluice',
    payload: {
      summary: truncate(summaryText(alert), SUMMARY_MAX),
      source,
      severity: PAGERDUTY_SEVERITY[alert.level],
      timestamp: alert.detectedAt,
      component: alert.rule.key,
      group: alert.attack.tactics[0],
      class: alert.rule.type,
      custom_details: {
        alert_id: alert.alertId,
        dedup_key: dedupKey,
        status: alert.status,
        rule: { key: alert.rule.key, id: alert.rule.id, title: alert.rule.title, file: alert.rule.file },
        level: alert.level,
        tags: alert.tags,
        group_by: groupBy,
        count: alert.count,
        threshold: alert.threshold,
        occurrences: alert.occurrences,
        first_event_time: alert.firstEventTime,
        last_event_time: alert.lastEventTime,
        period: alert.period,
        records: alert.records.slice(0, DETAIL_RECORDS),
        omitted_records: alert.omittedRecords + Math.max(0, alert.records.length - DETAIL_RECORDS),
      },
    },
  };
}
