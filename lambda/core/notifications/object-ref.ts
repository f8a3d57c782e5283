/** One S3 object to forward, as named by a notification or a continuation. */
export interface ObjectRef {
  readonly bucket: string;
  /** The decoded key (notifications URL-encode it; this never is). */
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly size?: number;
  /**
   * When S3 saw the write (a notification's `eventTime`, a listing's LastModified). Records without a
   * timestamp get the time the store reports with the bytes (`OpenedObject.lastModified`), which is
   * the same on every path; this one only when it reports none.
   */
  readonly eventTime: Date;
}

/**
 * Where one destination stands in an object: `done`; the offset of its first record not yet
 * delivered; or that offset plus the ranges after it that were delivered already (batches that
 * succeeded while an earlier one failed), which a resume must not send again.
 */
export type Position =
  number | 'done' | { readonly resumeAt: number; readonly skip: readonly (readonly [number, number])[] };

/** Where each destination stands in an object. */
export type DestinationProgress = Readonly<Record<string, Position>>;

/** The offset a destination resumes at (`undefined` when it is done). */
export function resumeOffset(position: Position): number | undefined {
  if (position === 'done') return undefined;
  return typeof position === 'number' ? position : position.resumeAt;
}

/** Work left on an object by an earlier invocation (time ran out, or one destination failed). */
export interface ObjectWork {
  readonly object: ObjectRef;
  /** Absent on a fresh notification: every destination starts at 0. */
  readonly progress?: DestinationProgress;
  /** Learned on the first pass: plain objects resume with a ranged GET, gzip ones are re-read and skipped. */
  readonly encoding?: ObjectEncoding;
}

export type ObjectEncoding = 'gzip' | 'identity';

export type ParsedMessage =
  | {
      readonly kind: 'objects';
      readonly work: readonly ObjectWork[];
      readonly skipped: readonly SkippedEvent[];
    }
  | { readonly kind: 'test-event' }
  | { readonly kind: 'unrecognized'; readonly reason: string };

/** An event in a recognised message that is not an object creation (e.g. a deletion routed by EventBridge). */
export interface SkippedEvent {
  readonly reason: string;
  readonly key?: string;
}
