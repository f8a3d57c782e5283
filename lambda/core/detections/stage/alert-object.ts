import { createHash } from 'node:crypto';
import type { AlertDocument } from '../alerts/document';
import type { AlertRecord } from '../routing/alert-record';
import { ALERTS_LOG_TYPE } from './names';

/**
 * An alert object's body above this is written without its samples (records as read, up to 5): the
 * forwarder must read it back as one record, under its `maxRecordBytes` and a SIEM's event limit.
 */
export const DEFAULT_MAX_ALERT_BYTES = 256 * 1024;

/** One alert event as the stage writes it to the bucket. */
export interface AlertObject {
  /** `<prefix>/sluice-alerts/YYYY/MM/DD/HH/MM/<name>.json`, the time being the alert's period start (UTC). */
  readonly key: string;
  /** Also the record's `eventId`: unique per alert event, the same for the same event written again. */
  readonly name: string;
  /** The alert document on one NDJSON line. */
  readonly body: string;
}

/**
 * One alert event the stage writes: an opening, or an update at a step of the running count (see
 * update-steps.ts).
 */
export type AlertEvent =
  { readonly status: 'opened' } | { readonly status: 'updated'; readonly step: number };

/**
 * The name of an alert event: an opening is named by its alert alone (written once, however often
 * its batch is delivered), an update by its alert and the step its running count reached, not the
 * count itself: a redelivered batch, or two invocations whose registrations both reached the step,
 * name the same object and the second writes nothing. base64url of SHA-256, 22 characters.
 */
export function alertObjectName(event: AlertEvent, dedupKey: string): string {
  const text = event.status === 'opened' ? `opened|${dedupKey}` : `updated|${dedupKey}|${event.step}`;
  return createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 22);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** The key layout every source uses by default, so the alerts source reads these keys as `sluice-alerts`. */
export function alertObjectKey(prefix: string, periodStartMs: number, name: string): string {
  const start = new Date(periodStartMs);
  const path = [
    pad(start.getUTCFullYear(), 4),
    pad(start.getUTCMonth() + 1, 2),
    pad(start.getUTCDate(), 2),
    pad(start.getUTCHours(), 2),
    pad(start.getUTCMinutes(), 2),
  ].join('/');
  const base = prefix.replace(/^\/+|\/+$/g, '');
  return `${base === '' ? '' : `${base}/`}${ALERTS_LOG_TYPE}/${path}/${name}.json`;
}

/**
 * The object for one alert event. The event's status may differ from the document's (an opening
 * another batch wrote first is written as an update of it); the document's `occurrences` is the
 * running count when it was built, at or past the update's step.
 */
export function alertObject(
  prefix: string,
  event: AlertEvent,
  alert: AlertDocument,
  maxBytes: number = DEFAULT_MAX_ALERT_BYTES,
): AlertObject {
  const name = alertObjectName(event, alert.dedupKey);
  const record: AlertRecord = { eventId: name, ...alert, status: event.status };
  let body = JSON.stringify(record);
  // A UTF-16 unit is at most 3 bytes of UTF-8: most bodies need no count.
  if (body.length * 3 > maxBytes && Buffer.byteLength(body, 'utf8') > maxBytes)
    body = JSON.stringify({ ...record, samples: [] });
  return { key: alertObjectKey(prefix, Date.parse(alert.period.start), name), name, body: `${body}\n` };
}

/**
 * The running count an alert object's body shows (its `occurrences`), undefined when the body is not
 * one `alertObject` wrote (truncated, or not an alert).
 */
export function occurrencesShown(body: string): number | undefined {
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    return undefined;
  }
  const occurrences = (record as { occurrences?: unknown } | null)?.occurrences;
  return typeof occurrences === 'number' && Number.isSafeInteger(occurrences) && occurrences >= 0
    ? occurrences
    : undefined;
}
