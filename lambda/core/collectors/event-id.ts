import { createHash } from 'node:crypto';

/** The field a collector adds to events that carry no id of their own. */
export const EVENT_ID_FIELD = 'sluice_event_id';

/** Bumped only if the scheme ever changes: every event would then be delivered again as new. */
const SCHEME = 'sluice-collector-event-v1';
/** 27 base64url characters of SHA-256 (162 bits), as the forwarder's fallback ids. */
const LENGTH = 27;

/** JSON with object members sorted by key at every depth: the same event, however the API orders its fields. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The id of an event without one: a hash of its content (the way Elastic's fingerprint processor
 * makes document ids), so the same event read again, in any page, by any run, has the same id. Two
 * events identical in every field, time included, are one event.
 */
export function contentId(value: Readonly<Record<string, unknown>>): string {
  return createHash('sha256')
    .update(SCHEME)
    .update('\n')
    .update(canonicalJson(value))
    .digest('base64url')
    .slice(0, LENGTH);
}

/**
 * Adds `"field":"id"` as the event's last member, spliced into the API's text so that its fields keep
 * their order and spelling (numbers beyond 2^53 included). An event that already has the field is
 * left as it is.
 */
export function withIdField(
  line: string,
  value: Readonly<Record<string, unknown>>,
  field: string,
  id: string,
): string {
  if (Object.hasOwn(value, field)) return line;
  const close = line.lastIndexOf('}');
  const separator = Object.keys(value).length === 0 ? '' : ',';
  return `${line.slice(0, close)}${separator}${JSON.stringify(field)}:${JSON.stringify(id)}${line.slice(close)}`;
}

/** The event's own id from `field`: a non-empty string or a finite number, at most 200 bytes. */
export function ownId(value: unknown): string | undefined {
  const id =
    typeof value === 'string'
      ? value
      : typeof value === 'number' && Number.isFinite(value)
        ? String(value)
        : undefined;
  if (id === undefined || id.length === 0 || Buffer.byteLength(id, 'utf8') > 200) return undefined;
  return id;
}
