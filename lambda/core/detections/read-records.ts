import type { ForwardSource } from '../forward/forward-object';
import { toOutboundRecord } from '../records/outbound';
import type { ReadEvent } from '../records/read-event';
import { readRecordChunks } from '../records/reader';
import type { DetectionRecord } from './records';

/** One object to read for detection, named as the forwarder names it. */
export interface DetectionObject {
  readonly source: ForwardSource;
  readonly bucket: string;
  readonly key: string;
  /** The object's ETag, unquoted: part of the ids of records without their own. */
  readonly eTag: string;
  /** The log type its key names (used for records that name none). */
  readonly logTypeFromKey: string;
  /** When S3 stored it: the time of records that carry none. */
  readonly eventTime: Date;
  readonly maxRecordBytes: number;
  readonly maxDecompressedBytes: number;
}

/**
 * An event `select` keeps. A record unwrapped from an envelope may carry the log type its envelope
 * names (a Splunk HEC sourcetype): used, like the object's, when the record names none.
 */
export type SelectedEvent = ReadEvent & { readonly logTypeFromKey?: string };

export interface DetectionChunk {
  readonly records: readonly DetectionRecord[];
  /** Records that could not be read (bad JSON, too large): the forwarder quarantines them. */
  readonly invalid: number;
}

/**
 * Reads an object's records for detection the way the forwarder reads them (gzip, NDJSON or
 * concatenated JSON; the same record ids, log types and event times), one chunk at a time. The
 * record's parsed value is the reader's own: nothing is parsed twice.
 *
 * `select` sees each chunk's events before they become records: `sluice detect test` drops the
 * action lines of an Elasticsearch `_bulk` file there, and unwraps Splunk HEC events and
 * Elasticsearch search hits. Default: every event.
 */
export async function* readDetectionRecords(
  body: AsyncIterable<Uint8Array>,
  object: DetectionObject,
  select: (events: ReadEvent[]) => readonly SelectedEvent[] = (events) => events,
): AsyncGenerator<DetectionChunk, void> {
  const context = {
    source: object.source.name,
    bucket: object.bucket,
    key: object.key,
    eTag: object.eTag,
    logTypeFromKey: object.logTypeFromKey,
    timestampField: object.source.timestampField,
    timestampFieldByLogType: object.source.timestampFieldByLogType,
    idFieldByLogType: object.source.idFieldByLogType,
    eventTime: object.eventTime,
  };
  const chunks = readRecordChunks(body, {
    format: object.source.format,
    maxRecordBytes: object.maxRecordBytes,
    maxDecompressedBytes: object.maxDecompressedBytes,
  });
  for await (const chunk of chunks) {
    const events = select(chunk);
    const records: DetectionRecord[] = [];
    let invalid = 0;
    for (const event of events) {
      if (event.kind !== 'record') {
        invalid += 1;
        continue;
      }
      const outbound = toOutboundRecord(
        event,
        event.logTypeFromKey === undefined ? context : { ...context, logTypeFromKey: event.logTypeFromKey },
      );
      records.push({
        id: outbound.id,
        source: object.source.name,
        logType: outbound.logType,
        eventTimeMs: outbound.timestamp.epochMillis,
        bucket: object.bucket,
        key: object.key,
        offset: event.offset,
        value: event.value,
      });
    }
    yield { records, invalid };
  }
}
