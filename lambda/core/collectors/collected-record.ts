import { parseTimestamp } from '../records/timestamp';
import { CollectorCodes, CollectorError } from './codes';
import { contentId, EVENT_ID_FIELD, ownId, withIdField } from './event-id';
import { exactValueAt, valueAt, type RawRecord } from './response-records';
import type { CollectedRecord } from './types';

export interface RecordFields {
  /** Dotted path of the event's time (RFC 3339, or epoch seconds / milliseconds). */
  readonly timestampPath: string;
  /** Dotted path of the event's own unique id; absent: the id is hashed from the content. */
  readonly idPath?: string;
}

/**
 * The top-level field the forwarder finds each event's id in: the API's own when it is a top-level
 * field, else the one the collector adds (a hash, or a copy of a nested id).
 */
export function idFieldOf(fields: RecordFields): string {
  return fields.idPath !== undefined && !fields.idPath.includes('.') ? fields.idPath : EVENT_ID_FIELD;
}

/**
 * An API event as the collector writes it. An event without a readable time, or without the id the
 * configuration says every event has, is not the documented shape: the run stops rather than guess.
 */
export function collectRecord(
  raw: RawRecord,
  index: number,
  fields: RecordFields,
  context: Record<string, unknown>,
): CollectedRecord {
  const timestamp = parseTimestamp(valueAt(raw.value, fields.timestampPath));
  if (!timestamp) {
    throw new CollectorError(
      CollectorCodes.BAD_RESPONSE,
      `event ${index} has no readable time in "${fields.timestampPath}" (RFC 3339, or epoch seconds or milliseconds)`,
      { ...context, event: index, field: fields.timestampPath },
    );
  }
  if (fields.idPath === undefined) {
    const id = contentId(raw.value, raw.line);
    return { id, timestamp, line: withIdField(raw.line, raw.value, EVENT_ID_FIELD, id) };
  }
  // An id beyond 2^53 as its digits: rounded, two events' ids would be one, and the second dropped.
  const id = ownId(exactValueAt(raw.value, raw.line, fields.idPath));
  if (id === undefined) {
    throw new CollectorError(
      CollectorCodes.BAD_RESPONSE,
      `event ${index} has no id in "${fields.idPath}" (a non-empty string or number of at most 200 bytes)`,
      { ...context, event: index, field: fields.idPath },
    );
  }
  const field = idFieldOf(fields);
  return {
    id,
    timestamp,
    line: field === fields.idPath ? raw.line : withIdField(raw.line, raw.value, field, id),
  };
}
