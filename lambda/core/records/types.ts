/** A record's point in time, kept at the precision the vendor wrote it (up to nanoseconds). */
export interface RecordTimestamp {
  /** RFC 3339 in UTC with the original fraction, e.g. `2024-02-01T18:50:04.782960647Z`. */
  readonly iso: string;
  /** Epoch seconds as decimal text keeping the fraction, e.g. `1706813404.782960647` (a JS number would lose nanoseconds). */
  readonly epochSeconds: string;
  /** Epoch milliseconds (lossy), for arithmetic and metrics. */
  readonly epochMillis: number;
}

/** One record, read from an object and ready for every destination. */
export interface OutboundRecord {
  /** Deterministic id: the record's own id when the source names one, else a hash of bucket/key/ETag/offset. */
  readonly id: string;
  /** Byte offset of the record's first byte in the (decompressed) object. */
  readonly offset: number;
  /** Configured source name, e.g. `strongdm`. */
  readonly source: string;
  readonly logType: string;
  readonly bucket: string;
  readonly key: string;
  readonly timestamp: RecordTimestamp;
  /**
   * The record as compact JSON with the vendor's fields untouched (single line, no trailing newline),
   * UTF-8 encoded: what the encoders copy into request bodies. For a record written on one line, a
   * view of the bytes it was read from.
   */
  readonly bytes: Buffer;
  /** `bytes` as text, decoded on each access (records do not keep it), so read it rarely. */
  readonly json: string;
  /** The parsed record, parsed again on each access (records do not keep it), so read it rarely. */
  readonly value: Readonly<Record<string, unknown>>;
  /**
   * What the detections stage's rules found while the record was read, until the stage's batch
   * takes it (detections/stage/pre-match.ts); no other code reads it. On the record, it goes with
   * the record: a WeakMap beside the records cost more than the rules themselves.
   */
  detectionNote?: unknown;
}
