import type { IngestEvent, Rejection } from './events';
import { arrayElements, objectMembers, streamValues, toSingleLine, type Span } from './json-scan';

/**
 * How a body holds its events:
 * * `json`: NDJSON, or JSON objects one after another (stacked or pretty-printed), or one JSON array
 *   of objects (seed 000's generic shipper format);
 * * `hec`: Splunk HEC envelopes one after another (`{"event": ..., "time": ..., ...}`); the event
 *   written is the envelope's `event` value and the rest of the envelope is not kept.
 */
export type BodyFormat = 'json' | 'hec';

/** The events before the first bad one, and why that one is bad (absent when all are good). */
export interface ParsedBody {
  readonly events: readonly IngestEvent[];
  readonly rejection?: Rejection;
}

type ParsedValue =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: 'INVALID_JSON'; readonly reason: string };

function parseSlice(text: string, span: Span): ParsedValue {
  try {
    return { ok: true, value: JSON.parse(text.slice(span.start, span.end)) };
  } catch {
    return { ok: false, code: 'INVALID_JSON', reason: 'is not valid JSON' };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type EventResult = { readonly event: IngestEvent } | Omit<Rejection, 'index'>;

function plainEvent(text: string, span: Span): EventResult {
  const parsed = parseSlice(text, span);
  if (!parsed.ok) return { code: parsed.code, reason: parsed.reason };
  if (!isObject(parsed.value)) return { code: 'NOT_AN_OBJECT', reason: 'is not a JSON object' };
  return { event: { text: toSingleLine(text.slice(span.start, span.end)), value: parsed.value } };
}

/**
 * The `event` of a HEC envelope. An object is kept as sent; any other value (a log line as a
 * string, a number) is written as `{"message": <value as sent>}`, the shape seed 000's shipper
 * gives a line that is not JSON.
 */
function hecEvent(text: string, span: Span): EventResult {
  const parsed = parseSlice(text, span);
  if (!parsed.ok) return { code: parsed.code, reason: parsed.reason };
  if (!isObject(parsed.value)) return { code: 'NOT_AN_OBJECT', reason: 'is not a JSON object' };
  if (!Object.hasOwn(parsed.value, 'event')) {
    return { code: 'HEC_EVENT_MISSING', reason: "has no 'event' field" };
  }
  const envelopeText = text.slice(span.start, span.end);
  // The last `event` member wins, as it does for JSON.parse.
  const members = objectMembers(envelopeText).filter((candidate) => candidate.key === 'event');
  const member = members[members.length - 1];
  const event = parsed.value.event;
  if (event === null || (typeof event === 'string' && event.trim() === '')) {
    return { code: 'HEC_EVENT_BLANK', reason: "has a blank 'event' field" };
  }
  const eventText = toSingleLine(envelopeText.slice(member.value.start, member.value.end));
  if (isObject(event)) return { event: { text: eventText, value: event } };
  return { event: { text: `{"message":${eventText}}`, value: { message: event } } };
}

function collect(
  text: string,
  spans: Iterable<Span | { start: number; end: -1 }>,
  format: BodyFormat,
): ParsedBody {
  const events: IngestEvent[] = [];
  for (const span of spans) {
    const index = events.length;
    if (span.end === -1) {
      return {
        events,
        rejection: { index, code: 'INVALID_JSON', reason: `event ${index} is not valid JSON` },
      };
    }
    const result = format === 'hec' ? hecEvent(text, span) : plainEvent(text, span);
    if (!('event' in result)) {
      return { events, rejection: { index, code: result.code, reason: `event ${index} ${result.reason}` } };
    }
    events.push(result.event);
  }
  if (events.length === 0)
    return { events, rejection: { index: 0, code: 'NO_DATA', reason: 'the body holds no events' } };
  return { events };
}

/** Splits a request or message body into events, stopping at the first one that cannot be taken. */
export function parseBody(text: string, format: BodyFormat): ParsedBody {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (format === 'json' && body.trimStart().startsWith('[')) {
    const scan = arrayElements(body);
    const parsed = collect(body, scan.elements, format);
    if (scan.ok || (parsed.rejection && parsed.rejection.code !== 'NO_DATA')) return parsed;
    const index = parsed.events.length;
    return {
      events: parsed.events,
      rejection: { index, code: 'INVALID_JSON', reason: `event ${index} is not valid JSON` },
    };
  }
  return collect(body, streamValues(body), format);
}
