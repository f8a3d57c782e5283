/**
 * What the record reader produces. Offsets are byte offsets in the decompressed object and become
 * record ids and resume points, so the same bytes must always yield the same events.
 */

export type RecordFormat = 'auto' | 'ndjson' | 'concatenated' | 'records-array';

export const RECORD_FORMATS: readonly RecordFormat[] = ['auto', 'ndjson', 'concatenated', 'records-array'];

export interface ReaderOptions {
  /**
   * `ndjson`: one record per line. `concatenated`: JSON objects one after another with any whitespace
   * (the vendor's pretty-printed examples). `auto`: each record's first line decides (see record-splitter.ts).
   * `records-array`: the elements of a document's top-level `Records` array (AWS CloudTrail); such a
   * document is always read from its first byte (no `startOffset`).
   */
  readonly format: RecordFormat;
  /** A record larger than this is reported as `RECORD_TOO_LARGE` and skipped without being buffered. */
  readonly maxRecordBytes: number;
  /** Decompressed size at which a gzip object is refused (gzip bomb). Plain objects are not limited here. */
  readonly maxDecompressedBytes: number;
  /**
   * The stream starts at this byte offset of the object (a ranged GET that resumes a plain object);
   * reported offsets stay absolute. Such a stream is never gzip and never starts with a BOM. Not for
   * `records-array`, whose records only make sense inside the document they start in.
   */
  readonly startOffset?: number;
  /** Events whose offset is below this are dropped (resuming a gzip object, which must be re-read from 0). */
  readonly skipBefore?: number;
  /**
   * Top-level fields a record event carries the values of (`RecordEvent.field`), read without
   * building the record: its `text` and `value` are then made only if asked for. Default: none (every
   * record is decoded and parsed).
   */
  readonly fields?: readonly string[];
}

export type InvalidCode = 'INVALID_JSON' | 'RECORD_TOO_LARGE' | 'NOT_AN_OBJECT';

export interface RecordEvent {
  readonly kind: 'record';
  /** Byte offset of the record's first byte (its `{`). */
  readonly offset: number;
  /** Byte length of the record as it appears in the object (`bytes.length`). */
  readonly length: number;
  /** The record's JSON text exactly as written, without BOM, surrounding blanks or line terminator. */
  readonly text: string;
  /**
   * The same text as bytes: a view into the chunk it was read from, not a copy. Records keep these
   * rather than their text while they wait in batches: buffer memory is outside V8's heap, so the
   * garbage collector neither copies nor promotes it (the chunks are never written to again).
   */
  readonly bytes: Buffer;
  readonly value: Record<string, unknown>;
  /** True when `text` has no line break, so it can be forwarded as is on an NDJSON line. */
  readonly singleLine: boolean;
  /**
   * With `ReaderOptions.fields`, those fields in that order: `field(i)` is the value of
   * `fieldNames[i]` (decoded when first asked for), undefined when the record does not have it, which
   * `hasField(i)` tells without decoding. Default: none (read them from `value`).
   */
  readonly fieldNames?: readonly string[];
  field?(index: number): unknown;
  hasField?(index: number): boolean;
  /** True when every byte is ASCII (so valid UTF-8), false when not; undefined when not known. */
  readonly ascii?: boolean;
}

export interface InvalidEvent {
  readonly kind: 'invalid';
  readonly offset: number;
  readonly length: number;
  readonly code: InvalidCode;
  /** Why, without record content (it ends up in logs). */
  readonly reason: string;
  /** The first bytes of the bad text (at most MAX_RAW_BYTES), for the quarantine. */
  readonly raw: Uint8Array;
}

export type ReadEvent = RecordEvent | InvalidEvent;

/** The quarantine keeps at most this much of a bad record: enough to diagnose, bounded in memory. */
export const MAX_RAW_BYTES = 64 * 1024;
