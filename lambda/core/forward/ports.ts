import type { ObjectRef } from '../notifications/object-ref';

/** Reads an object's bytes as a stream, optionally from a byte offset (a ranged GET). */
export interface ObjectSource {
  /** Throws `SluiceError('OBJECT_NOT_FOUND')` when the object (version) no longer exists. */
  open(object: ObjectRef, fromByte: number): Promise<AsyncIterable<Uint8Array>>;
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

export interface QuarantineWriter {
  /** Durably stores entries of one object; throws when it cannot (the message then fails and retries). */
  write(
    entries: readonly QuarantineEntry[],
    context: { readonly source: string; readonly object: ObjectRef },
  ): Promise<void>;
}
