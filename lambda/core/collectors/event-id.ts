import { createHash } from 'node:crypto';
import { arrayElements, objectMembers, unsafeIntegerText, type Span } from '../ingest/json-scan';

/** The field a collector adds to events that carry no id of their own. */
export const EVENT_ID_FIELD = 'sluice_event_id';

/** Bumped only if the scheme ever changes: every event would then be delivered again as new. */
const SCHEME = 'sluice-collector-event-v1';
/** 27 base64url characters of SHA-256 (162 bits), as the forwarder's fallback ids. */
const LENGTH = 27;

/**
 * JSON with object members sorted by key at every depth: the same event, however the API orders its
 * fields. With `text` (the JSON `value` was parsed from), an integer beyond 2^53 is written with the
 * digits of the text: JSON.parse rounds it, and two events differing only there would be one.
 */
export function canonicalJson(value: unknown, text?: string): string {
  // Only a run of 16 digits or more can be such an integer: other texts need no second reading.
  const exact = text !== undefined && /\d{16}/.test(text) ? text.trim() : undefined;
  const part = (span: Span | undefined): string | undefined =>
    exact !== undefined && span !== undefined ? exact.slice(span.start, span.end) : undefined;
  if (Array.isArray(value)) {
    const spans = exact === undefined ? [] : arrayElements(exact).elements;
    return `[${value.map((element, i) => canonicalJson(element, part(spans[i]))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    // The last of duplicate keys, as JSON.parse keeps it.
    const members = new Map(
      exact === undefined ? [] : objectMembers(exact).map((member) => [member.key, member.value]),
    );
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const written = entries.map(
      ([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member, part(members.get(key)))}`,
    );
    return `{${written.join(',')}}`;
  }
  return unsafeIntegerText(value, exact) ?? JSON.stringify(value);
}

/**
 * The id of an event without one: a hash of its content (the way Elastic's fingerprint processor
 * makes document ids), so the same event read again, in any page, by any run, has the same id. Two
 * events identical in every field, time included, are one event.
 */
export function contentId(value: Readonly<Record<string, unknown>>, text?: string): string {
  return createHash('sha256')
    .update(SCHEME)
    .update('\n')
    .update(canonicalJson(value, text))
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
