import { hash } from 'node:crypto';

/** Longer ids are refused: they are likely not ids, and they must fit every destination's id field. */
const MAX_ID_BYTES = 200;
/**
 * Bumped only if the fallback id scheme ever changes (it would re-deliver everything as new). It was
 * not bumped when the object's part became always the ETag (it used to be the versionId when a
 * notification had one): that kept the ids of every object that was read by its ETag.
 */
const FALLBACK_SCHEME = 'sluice-record-id-v1';
/** 27 base64url characters of SHA-256 (162 bits): collisions are out of reach. */
const FALLBACK_LENGTH = 27;

/**
 * The record's own id, given the value of the id field its source names for its log type: a
 * non-empty string or a finite number, at most 200 bytes. Destinations deduplicate on it across
 * re-deliveries.
 */
export function ownIdOf(candidate: unknown): string | undefined {
  const id =
    typeof candidate === 'string'
      ? candidate
      : typeof candidate === 'number' && Number.isFinite(candidate)
        ? String(candidate)
        : undefined;
  if (id === undefined || id.length === 0) return undefined;
  // A UTF-16 unit is at most 3 UTF-8 bytes: most ids are short enough not to need counting.
  if (id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) return undefined;
  return id;
}

export interface RecordLocation {
  readonly bucket: string;
  readonly key: string;
  /**
   * The object's ETag, unquoted: bound to its bytes and the same in every S3 API (a notification with
   * or without a versionId, a listing, a GetObject, a ranged GET), so every path that reads the same
   * bytes gives the same ids. A rewritten object with other bytes gets new ids.
   */
  readonly eTag: string;
  readonly offset: number;
}

/**
 * An id for a record without one: where it was read from. The same bytes read again (a retry, a
 * continuation, a replay, `forward`) give the same ids, so destinations that deduplicate by id do
 * not double it.
 */
export function fallbackRecordId(location: RecordLocation): string {
  // JSON framing keeps the parts apart: ("a/b", "c") and ("a", "b/c") must not collide.
  const canonical = Number.isSafeInteger(location.offset)
    ? `${objectPrefix(location)}${location.offset}]`
    : JSON.stringify([FALLBACK_SCHEME, location.bucket, location.key, location.eTag, location.offset]);
  // One-shot, straight to text: no Hash object per record (2-3 times faster than createHash's chain).
  return hash('sha256', canonical, 'base64url').slice(0, FALLBACK_LENGTH);
}

/** The object the last fallback id was made for, and its canonical text up to the offset. */
let lastObject: { bucket: string; key: string; eTag: string; prefix: string } | undefined;

/**
 * `JSON.stringify([scheme, bucket, key, eTag, offset])` up to the offset (an integer, written as
 * `String` writes it): the same for every record of an object, so built once per object.
 */
function objectPrefix({ bucket, key, eTag }: RecordLocation): string {
  if (lastObject?.bucket !== bucket || lastObject.key !== key || lastObject.eTag !== eTag) {
    const prefix = `${JSON.stringify([FALLBACK_SCHEME, bucket, key, eTag]).slice(0, -1)},`;
    lastObject = { bucket, key, eTag, prefix };
  }
  return lastObject.prefix;
}
