import { ALERTS_LOG_TYPE } from '../detections/stage/names';
import { DEFAULT_KEY_LAYOUT } from '../layout/key-pattern';
import type { ControlObject } from './presets';
import type { SourceConfig } from './sources';

/** The name of the source detections add: alert objects are its records. */
export const ALERTS_SOURCE_NAME = 'sluice';

/** The field of an alert object's line that identifies the written alert event (the ES `_id`). */
export const ALERT_EVENT_ID_FIELD = 'eventId';

/** The field of an alert document that holds its time. */
export const ALERT_TIME_FIELD = 'detectedAt';

/**
 * Everything under the alerts prefix but `sluice-alerts/` is no alert, and is never forwarded. With the
 * default prefixes (`sluice`, `sluice/quarantine`) the quarantine lies under the alerts prefix: a
 * quarantine object notified or replayed there must not be forwarded as a record (a quarantined record
 * would be quarantined again, under a new key, without end).
 */
export const NOT_AN_ALERT: ControlObject = {
  pattern: `^(?!${ALERTS_LOG_TYPE}/)`,
  what: `not an alert object (only <alerts prefix>/${ALERTS_LOG_TYPE}/ holds alerts)`,
};

/** Where alert objects are written: `<alertsPrefix>/sluice-alerts/` (with the trailing slash). */
export function alertsObjectPrefix(alertsPrefix: string): string {
  return `${alertsPrefix}/${ALERTS_LOG_TYPE}/`;
}

/** The alerts source as it would be written in sluice.config.json (default key layout). */
export function alertsSourceInput(alertsPrefix: string) {
  return {
    name: ALERTS_SOURCE_NAME,
    prefix: alertsPrefix,
    format: 'ndjson' as const,
    timestampField: ALERT_TIME_FIELD,
    idFields: { [ALERTS_LOG_TYPE]: ALERT_EVENT_ID_FIELD },
  };
}

/**
 * The implicit source detections add: the alert objects, read like any vendor's records. Written out
 * rather than parsed with `sourceConfig`, so that the forwarder's bundle (which reads its runtime
 * configuration through this file) carries no schema; a test checks it is what the schema reads.
 */
export function alertsSource(alertsPrefix: string): SourceConfig {
  const input = alertsSourceInput(alertsPrefix);
  return {
    ...input,
    keyLayout: DEFAULT_KEY_LAYOUT,
    logType: undefined,
    timestampFieldByLogType: {},
    controlObjects: [NOT_AN_ALERT],
    writers: [],
    serviceWriter: undefined,
    keyPrefixes: [`${alertsPrefix}/`],
    idFieldByLogType: { ...input.idFields },
  };
}

/**
 * The sources records are read from: the configured ones, then (with `detections`) the alerts source.
 * What the forwarder, `sluice status`, `sluice replay` and `sluice detect` see.
 */
export function sourcesWithAlerts(config: {
  readonly sources: readonly SourceConfig[];
  readonly detections?: { readonly alerts: { readonly prefix: string } };
}): readonly SourceConfig[] {
  return config.detections
    ? [...config.sources, alertsSource(config.detections.alerts.prefix)]
    : config.sources;
}
