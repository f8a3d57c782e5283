/** A record as detection sees it: the parsed value plus what identifies and locates it. */
export interface DetectionRecord {
  /** sluice's record id (the vendor's own id, else a hash of where it was read): what makes counting idempotent. */
  readonly id: string;
  /** Configured source name, e.g. `strongdm`. */
  readonly source: string;
  readonly logType: string;
  /** The record's event time (its timestamp field), in epoch milliseconds: windows count by it, not by arrival. */
  readonly eventTimeMs: number;
  readonly bucket: string;
  readonly key: string;
  /** Byte offset of the record in its (decompressed) object. */
  readonly offset: number;
  readonly value: Readonly<Record<string, unknown>>;
}

/** Where a record is, for alerts: enough to fetch it again (`s3://bucket/key`, byte offset). */
export interface RecordRef {
  readonly id: string;
  readonly bucket: string;
  readonly key: string;
  readonly offset: number;
  readonly eventTimeMs: number;
}

export function refOf(record: DetectionRecord): RecordRef {
  return {
    id: record.id,
    bucket: record.bucket,
    key: record.key,
    offset: record.offset,
    eventTimeMs: record.eventTimeMs,
  };
}
