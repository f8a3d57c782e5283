/** One S3 object to forward, as named by a notification or a continuation. */
export interface ObjectRef {
  readonly bucket: string;
  /** The decoded key (notifications URL-encode it; this never is). */
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly size?: number;
  /** When S3 saw the write: the fallback timestamp of records without one. */
  readonly eventTime: Date;
}

/** Where each destination stands in an object: the offset of its first record not yet delivered, or done. */
export type DestinationProgress = Readonly<Record<string, number | 'done'>>;

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
