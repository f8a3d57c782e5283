import type { DestinationProgress, ObjectEncoding, ObjectWork } from './object-ref';

/** Marks sluice's own continuation messages on the object queue. */
const MARKER = 'sluice.continuation.v1';

interface ContinuationBody {
  readonly sluice: typeof MARKER;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  readonly size?: number;
  readonly eventTime: string;
  readonly progress: DestinationProgress;
  readonly encoding?: ObjectEncoding;
  /**
   * Why the work was split (for operators reading the DLQ): `deadline`, `destination-failed`,
   * `object-unreadable`, or `one-object-per-message` (a message that named several objects).
   */
  readonly reason: string;
}

/** The message body that resumes an object where each destination stopped. */
export function continuationBody(
  work: ObjectWork & { readonly progress: DestinationProgress },
  reason: string,
): string {
  const { object } = work;
  const body: ContinuationBody = {
    sluice: MARKER,
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    eTag: object.eTag,
    size: object.size,
    eventTime: object.eventTime.toISOString(),
    progress: work.progress,
    encoding: work.encoding,
    reason,
  };
  return JSON.stringify(body);
}

function isProgress(value: unknown): value is DestinationProgress {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const isOffset = (entry: unknown) => typeof entry === 'number' && Number.isInteger(entry) && entry >= 0;
  return Object.values(value).every((entry) => {
    if (entry === 'done' || isOffset(entry)) return true;
    if (typeof entry !== 'object' || entry === null) return false;
    const { resumeAt, skip } = entry as { resumeAt?: unknown; skip?: unknown };
    return (
      isOffset(resumeAt) &&
      Array.isArray(skip) &&
      skip.every(
        (range) =>
          Array.isArray(range) &&
          range.length === 2 &&
          isOffset(range[0]) &&
          isOffset(range[1]) &&
          range[0] < range[1],
      )
    );
  });
}

export function parseContinuation(body: Record<string, unknown>): ObjectWork | undefined {
  if (body.sluice !== MARKER) return undefined;
  if (typeof body.bucket !== 'string' || typeof body.key !== 'string' || !isProgress(body.progress))
    return undefined;
  const eventTime = new Date(typeof body.eventTime === 'string' ? body.eventTime : 0);
  return {
    object: {
      bucket: body.bucket,
      key: body.key,
      versionId: typeof body.versionId === 'string' ? body.versionId : undefined,
      eTag: typeof body.eTag === 'string' ? body.eTag : undefined,
      size: typeof body.size === 'number' ? body.size : undefined,
      eventTime: Number.isNaN(eventTime.getTime()) ? new Date(0) : eventTime,
    },
    progress: body.progress,
    encoding: body.encoding === 'gzip' || body.encoding === 'identity' ? body.encoding : undefined,
  };
}
