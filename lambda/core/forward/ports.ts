import type { ObjectRef } from '../notifications/object-ref';

/** An object being read. */
export interface OpenedObject {
  readonly body: AsyncIterable<Uint8Array>;
  /**
   * The ETag of the bytes being read, unquoted, when the store names one (S3 always does, also for a
   * ranged GET). Record ids and quarantine names hash it: it is the same for the same bytes on every
   * path, where a notification's `eTag` may be missing.
   */
  readonly eTag?: string;
  /**
   * The version of the bytes being read, when the store names one (S3 in a versioned or
   * versioning-suspended bucket). A continuation pins it, so it reads the same bytes whatever named
   * the object first (a replay's notification or `forward` name none).
   */
  readonly versionId?: string;
  /**
   * When the store stored the object (S3: the GET's `LastModified`, also for a ranged GET): the time
   * of records that carry none. Not the notification's `eventTime`: a multipart upload is notified
   * when it completes but stored as of when it was initiated, and a replay, listing the object,
   * knows only the latter. The same time on every path keeps such a record's event time, and so
   * its place in correlation windows, the same when it is read again. Absent: the ref's `eventTime`.
   */
  readonly lastModified?: Date;
}

/** Reads an object's bytes as a stream, optionally from a byte offset (a ranged GET). */
export interface ObjectSource {
  /** Throws `SluiceError('OBJECT_NOT_FOUND')` when the object (version) no longer exists. */
  open(object: ObjectRef, fromByte: number): Promise<OpenedObject>;
}

/** A record that will never reach a destination, with everything an operator needs to act on it. */
export interface QuarantineEntry {
  readonly code: string;
  readonly reason: string;
  readonly offset: number;
  /** Absent when the record was unreadable (it reached no destination). */
  readonly destination?: string;
  readonly recordId?: string;
  readonly logType?: string;
  /** The record as delivered (a destination refused it). */
  readonly record?: string;
  /** The bytes as read (the record could not be read), at most 64 KiB. */
  readonly raw?: Uint8Array;
}

/** Which object a quarantine file is about (a store may route by its bucket). */
export interface QuarantineTarget {
  readonly source: string;
  readonly object: ObjectRef;
}

/**
 * Files under the quarantine, by a name relative to it (`<source>/YYYY/MM/DD/HH/MM/<file>.json`).
 * Files are only ever created, never replaced: that is what lets a retried object find what an
 * earlier attempt quarantined (see `ObjectQuarantine`).
 */
export interface QuarantineWriter {
  /**
   * Durably stores `body` as `name` unless a file of that name exists (S3: `If-None-Match: *`).
   * True when it was written, false when the name was taken. Throws when it cannot write (the
   * message then fails and retries).
   */
  create(name: string, body: string, target: QuarantineTarget): Promise<boolean>;
  /** The file `name`, or `undefined` when there is none. */
  read(name: string, target: QuarantineTarget): Promise<string | undefined>;
}
