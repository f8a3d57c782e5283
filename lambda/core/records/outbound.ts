import { isValidLogType } from '../layout/key-layout';
import { fallbackRecordId, recordOwnId } from './id';
import type { RecordEvent } from './read-event';
import { parseTimestamp, timestampFromDate } from './timestamp';
import type { OutboundRecord, RecordTimestamp } from './types';

export interface OutboundContext {
  /** Configured source name, e.g. `strongdm`. */
  readonly source: string;
  readonly bucket: string;
  readonly key: string;
  /** The object's versionId, else its ETag. */
  readonly version: string;
  /** The log type the key's layout names, used when the record does not name a valid one. */
  readonly logTypeFromKey: string;
  /** Field holding the record's time (`timestamp` for StrongDM). */
  readonly timestampField: string;
  /** Field holding the record's own id, per log type (e.g. `activities` -> `id`). */
  readonly idFieldByLogType: Readonly<Record<string, string>>;
  /** When S3 saw the object: the time of records that carry none. */
  readonly eventTime: Date;
}

/**
 * A record as it waits in batches and requests in flight. It keeps its bytes, not its text or parsed
 * value: those outlive V8's young generation, so they would be copied and promoted by every
 * collection, and a parsed value weighs several times its text. Both are rebuilt on demand.
 */
class ReadRecord implements OutboundRecord {
  constructor(
    readonly id: string,
    readonly offset: number,
    readonly source: string,
    readonly logType: string,
    readonly bucket: string,
    readonly key: string,
    readonly timestamp: RecordTimestamp,
    readonly bytes: Buffer,
  ) {}

  get json(): string {
    return this.bytes.toString('utf8');
  }

  get value(): Readonly<Record<string, unknown>> {
    return JSON.parse(this.json) as Record<string, unknown>;
  }
}

/** A record read from an object, with everything every destination needs. */
export function toOutboundRecord(event: RecordEvent, context: OutboundContext): OutboundRecord {
  const { value } = event;
  const named = ownField(value, 'logType');
  const logType = isValidLogType(named) ? named : context.logTypeFromKey;
  const idField = Object.hasOwn(context.idFieldByLogType, logType)
    ? context.idFieldByLogType[logType]
    : undefined;
  const id =
    recordOwnId(value, idField) ??
    fallbackRecordId({
      bucket: context.bucket,
      key: context.key,
      version: context.version,
      offset: event.offset,
    });
  const timestamp =
    parseTimestamp(ownField(value, context.timestampField)) ?? timestampFromDate(context.eventTime);
  // A single-line record goes out exactly as the vendor wrote it (and without paying for a
  // serialisation); a pretty-printed one must become one line for NDJSON-based destinations.
  const bytes = event.singleLine ? event.bytes : Buffer.from(JSON.stringify(value));
  return new ReadRecord(
    id,
    event.offset,
    context.source,
    logType,
    context.bucket,
    context.key,
    timestamp,
    bytes,
  );
}

/** Own fields only: a record without `toString` must not read Object.prototype's. */
function ownField(value: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(value, name) ? value[name] : undefined;
}
