import { isUtf8 } from 'node:buffer';
import { isValidLogType } from '../layout/key-layout';
import { memberText, unsafeIntegerText } from '../ingest/json-scan';
import { fallbackRecordId, ownIdOf } from './id';
import type { RecordEvent } from './read-event';
import { parseTimestamp, timestampFromDate } from './timestamp';
import type { OutboundRecord, RecordTimestamp } from './types';

export interface OutboundContext {
  /** Configured source name, e.g. `strongdm`. */
  readonly source: string;
  readonly bucket: string;
  readonly key: string;
  /** The object's ETag, unquoted (see `RecordLocation`). */
  readonly eTag: string;
  /** The log type the key's layout names, used when the record does not name a valid one. */
  readonly logTypeFromKey: string;
  /** Field holding the record's time (`timestamp` for StrongDM). */
  readonly timestampField: string;
  /** Log types whose time is in another field (Cloudflare's datasets). Default: none. */
  readonly timestampFieldByLogType?: Readonly<Record<string, string>>;
  /** Field holding the record's own id, per log type (e.g. `activities` -> `id`). */
  readonly idFieldByLogType: Readonly<Record<string, string>>;
  /** When the object was stored (see `OpenedObject.lastModified`): the time of records that carry none. */
  readonly eventTime: Date;
}

/**
 * A record as it waits in batches and requests in flight. It keeps its bytes, not its text or parsed
 * value: those outlive V8's young generation, so they would be copied and promoted by every
 * collection, and a parsed value weighs several times its text. Both are rebuilt on demand.
 */
class ReadRecord implements OutboundRecord {
  #viewsChunk: boolean;
  /** Declared so that every record has one shape, noted or not. */
  detectionNote: unknown = undefined;

  constructor(
    readonly id: string,
    readonly offset: number,
    readonly source: string,
    readonly logType: string,
    readonly bucket: string,
    readonly key: string,
    readonly timestamp: RecordTimestamp,
    /** A view into the chunk the record was read from (when `viewsChunk`), until `detach`. */
    public bytes: Buffer,
    viewsChunk: boolean,
  ) {
    this.#viewsChunk = viewsChunk;
  }

  get json(): string {
    return this.bytes.toString('utf8');
  }

  get value(): Readonly<Record<string, unknown>> {
    return JSON.parse(this.json) as Record<string, unknown>;
  }

  detach(): void {
    if (!this.#viewsChunk) return;
    this.bytes = Buffer.from(this.bytes);
    this.#viewsChunk = false;
  }
}

/**
 * Gives the record bytes of its own. A record's bytes view the chunk it was read from, which is right
 * while every record of a chunk waits in a batch (together they hold the chunk), but a few records
 * kept from a chunk whose others were dropped (a destination's `logTypes`) would each hold a whole
 * chunk (16-64 KiB). A no-op for a record that already owns its bytes.
 */
export function detachFromChunk(record: OutboundRecord): void {
  if (record instanceof ReadRecord) record.detach();
}

/** A record read from an object, with everything every destination needs. */
export function toOutboundRecord(event: RecordEvent, context: OutboundContext): OutboundRecord {
  const logType = namedLogType(fieldOf(event, 'logType')) ?? context.logTypeFromKey;
  const idField = Object.hasOwn(context.idFieldByLogType, logType)
    ? context.idFieldByLogType[logType]
    : undefined;
  const id =
    (idField === undefined ? undefined : ownIdOf(exactFieldOf(event, idField))) ??
    fallbackRecordId({
      bucket: context.bucket,
      key: context.key,
      eTag: context.eTag,
      offset: event.offset,
    });
  const timestampFields = context.timestampFieldByLogType;
  const timestampField =
    timestampFields && Object.hasOwn(timestampFields, logType)
      ? timestampFields[logType]
      : context.timestampField;
  const timestamp = parseTimestamp(fieldOf(event, timestampField)) ?? timestampFromDate(context.eventTime);
  // A single-line record goes out exactly as the vendor wrote it (and without paying for a
  // serialisation), unless its bytes are not valid UTF-8: then as decoded, with U+FFFD in place of
  // the bad bytes, which every destination accepts. A pretty-printed record must become one line.
  const viewsChunk = event.singleLine && isWellFormed(event);
  const bytes = viewsChunk
    ? event.bytes
    : Buffer.from(event.singleLine ? event.text : JSON.stringify(event.value));
  return new ReadRecord(
    id,
    event.offset,
    context.source,
    logType,
    context.bucket,
    context.key,
    timestamp,
    bytes,
    viewsChunk,
  );
}

/**
 * Whether the record's bytes are valid UTF-8. Decoding them replaced every invalid sequence with
 * U+FFFD, so a text without U+FFFD proves them valid, and that search costs nothing on the usual
 * ASCII or Latin-1 text (V8 keeps it one byte per character: U+FFFD cannot occur in it). A text with
 * U+FFFD may have had it written as such: the bytes are checked.
 */
function isWellFormed(event: RecordEvent): boolean {
  // A record read without decoding it says whether it is ASCII; checking the bytes costs less than
  // decoding them for the search.
  if (event.ascii !== undefined) return event.ascii || isUtf8(event.bytes);
  return !event.text.includes(REPLACEMENT_CHARACTER) || isUtf8(event.bytes);
}

const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * The last log type a record named that was valid: records come by the thousand with the same one,
 * and comparing with it costs less than the pattern test.
 */
let lastNamedLogType: string | undefined;

/** The record's own valid `logType` (the value of its `logType` field), if it names one. */
function namedLogType(named: unknown): string | undefined {
  if (named === undefined) return undefined;
  if (named === lastNamedLogType) return lastNamedLogType;
  if (!isValidLogType(named)) return undefined;
  lastNamedLogType = named;
  return named;
}

/** Own fields only: a record without `toString` must not read Object.prototype's. */
function ownField(value: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(value, name) ? value[name] : undefined;
}

/** A top-level field of the record: from the fields the reader read, else from its parsed value. */
function fieldOf(event: RecordEvent, name: string): unknown {
  const names = event.fieldNames;
  if (names !== undefined) {
    const index = names.indexOf(name);
    if (index >= 0) return event.field!(index);
  }
  return ownField(event.value, name);
}

/**
 * fieldOf, except that an integer beyond 2^53 is its digits as written (see unsafeIntegerText): as
 * a number, two records' 64-bit ids would be one id, and a destination that deduplicates by id
 * (Elasticsearch answers the second 409) would drop the second record as a duplicate.
 */
function exactFieldOf(event: RecordEvent, name: string): unknown {
  const value = fieldOf(event, name);
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  return unsafeIntegerText(value, memberText(event.text, name)) ?? value;
}

/**
 * The top-level fields `toOutboundRecord` reads for a source: its reader reads just these (see
 * ReaderOptions.fields) instead of building every record.
 */
export function recordFields(source: {
  readonly timestampField: string;
  readonly timestampFieldByLogType?: Readonly<Record<string, string>>;
  readonly idFieldByLogType: Readonly<Record<string, string>>;
}): string[] {
  return [
    ...new Set([
      'logType',
      source.timestampField,
      ...Object.values(source.timestampFieldByLogType ?? {}),
      ...Object.values(source.idFieldByLogType),
    ]),
  ];
}
