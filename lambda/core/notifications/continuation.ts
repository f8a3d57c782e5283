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

/**
 * Skip ranges a continuation carries, all destinations together: ~25 bytes each, 6,000 keep the body
 * near 150 KB, below SQS's message size limit (256 KiB on queues older than its 2025 raise). A
 * destination keeps at most 2,000 of its own (destination-pipeline.ts), so this binds only with more
 * than three destinations that each received many scattered ranges.
 */
const MAX_SKIP_RANGES_PER_MESSAGE = 6_000;

/**
 * Shares the ranges out evenly when there are too many: a range dropped is only sent again (the
 * destination's resume point stays), while a body SQS refuses would have the whole object retried
 * from the message's older progress.
 */
function boundedProgress(progress: DestinationProgress): DestinationProgress {
  const skipLengths = Object.values(progress).flatMap((position) =>
    typeof position === 'object' ? [position.skip.length] : [],
  );
  const total = skipLengths.reduce((sum, length) => sum + length, 0);
  if (total <= MAX_SKIP_RANGES_PER_MESSAGE) return progress;
  const share = Math.floor(MAX_SKIP_RANGES_PER_MESSAGE / skipLengths.length);
  return Object.fromEntries(
    Object.entries(progress).map(([name, position]) => [
      name,
      typeof position === 'object' ? { ...position, skip: position.skip.slice(0, share) } : position,
    ]),
  );
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
    progress: boundedProgress(work.progress),
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
