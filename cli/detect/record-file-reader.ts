import type { SelectedEvent } from '../../lambda/core/detections/read-records';
import { SluiceError } from '../../lambda/core/errors';
import type { ReadEvent, RecordEvent } from '../../lambda/core/records/read-event';
import { BulkDocuments, bulkActionOf } from './bulk-documents';
import { hecEnvelopeOf, hecLogType, searchHitOf } from './envelopes';

/** A file of Splunk HEC events with a line that is not one; `context.offset` is where, in bytes. */
export const HEC_FILE_INVALID = 'HEC_FILE_INVALID';
/** A file of Elasticsearch search hits with a line that is not one; `context.offset` is where. */
export const SEARCH_HITS_FILE_INVALID = 'SEARCH_HITS_FILE_INVALID';

/**
 * How a record file was read: as records, or as what a destination was sent (the records unwrapped):
 * Elasticsearch `_bulk` pairs, Splunk HEC events, Elasticsearch search hits (`_search`, elasticdump).
 */
export type RecordFileFormat = 'records' | 'elasticsearch-bulk' | 'splunk-hec' | 'elasticsearch-hits';

/** The envelope's record as the reader would have read it, at the envelope's offset (its line). */
function unwrapped(
  event: RecordEvent,
  value: Record<string, unknown>,
  logTypeFromKey?: string,
): SelectedEvent {
  const text = JSON.stringify(value);
  const bytes = Buffer.from(text);
  return {
    kind: 'record',
    offset: event.offset,
    length: bytes.length,
    text,
    bytes,
    value,
    singleLine: true,
    ...(logTypeFromKey === undefined ? {} : { logTypeFromKey }),
  };
}

/**
 * Reads a record file as what it holds, decided by its first record: `_bulk` pairs (see
 * BulkDocuments), HEC events (each one's `event`, with the log type its sourcetype names for the
 * source read), search hits (each one's `_source`, with its `_id` as record id), else records, which
 * pass through untouched. Once a file is read as envelopes, every line must be one: a mixed file is
 * refused at the first line that is not, rather than half of it read as the wrong thing.
 *
 * Give it every chunk's events in order (`select`), then call `finish`.
 */
export class RecordFileReader {
  #format: RecordFileFormat | undefined;
  readonly #bulk = new BulkDocuments();
  /** The `_id` of each search hit of the last chunk, by offset: valid until the next `select`. */
  readonly #ids = new Map<number, string>();
  readonly #otherSourcetypes = new Set<string>();

  /** `source`: the name of the source the records are read as (HEC sourcetypes name it). */
  constructor(private readonly source: string) {}

  /** Records until the first record shows otherwise. */
  get format(): RecordFileFormat {
    return this.#format ?? 'records';
  }

  /** HEC sourcetypes that name another source than the one read (their records took the default log type). */
  get otherSourcetypes(): readonly string[] {
    return [...this.#otherSourcetypes].sort();
  }

  /** The record id the file gave the record at `offset` (a `_bulk` or hit `_id`), for the last chunk selected. */
  idOf(offset: number): string | undefined {
    return this.#format === 'elasticsearch-bulk' ? this.#bulk.idOf(offset) : this.#ids.get(offset);
  }

  readonly select = (events: ReadEvent[]): readonly SelectedEvent[] => {
    this.#ids.clear();
    if (this.#format === undefined) {
      const first = events.find((event) => event.kind === 'record');
      if (first) this.#format = formatOf(first.value);
    }
    switch (this.#format) {
      case 'elasticsearch-bulk':
        return this.#bulk.select(events);
      case 'splunk-hec':
        return events.map((event) => this.#hecEvent(event));
      case 'elasticsearch-hits':
        return events.map((event) => this.#searchHit(event));
      default:
        return events;
    }
  };

  /** Throws when a `_bulk` file ends with an action that has no document. */
  finish(): void {
    if (this.#format === 'elasticsearch-bulk') this.#bulk.finish();
  }

  #hecEvent(event: ReadEvent): SelectedEvent {
    // An unreadable line is reported as unreadable, as any record.
    if (event.kind !== 'record') return event;
    const envelope = hecEnvelopeOf(event.value);
    if (!envelope)
      throw new SluiceError(
        HEC_FILE_INVALID,
        'not a Splunk HEC event where one belongs (the file starts with one, so every line is read as one)',
        { offset: event.offset },
      );
    const { logType, otherSourcetype } = hecLogType(envelope, this.source);
    if (otherSourcetype !== undefined) this.#otherSourcetypes.add(otherSourcetype);
    return unwrapped(event, envelope.event, logType);
  }

  #searchHit(event: ReadEvent): SelectedEvent {
    if (event.kind !== 'record') return event;
    const hit = searchHitOf(event.value);
    if (!hit)
      throw new SluiceError(
        SEARCH_HITS_FILE_INVALID,
        'not an Elasticsearch search hit where one belongs (the file starts with one, so every line is read as one)',
        { offset: event.offset },
      );
    if (hit.id !== undefined) this.#ids.set(event.offset, hit.id);
    return unwrapped(event, hit.source);
  }
}

function formatOf(value: Record<string, unknown>): RecordFileFormat {
  if (bulkActionOf(value)) return 'elasticsearch-bulk';
  if (hecEnvelopeOf(value)) return 'splunk-hec';
  if (searchHitOf(value)) return 'elasticsearch-hits';
  return 'records';
}
