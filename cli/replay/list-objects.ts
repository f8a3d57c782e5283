import { ListObjectVersionsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject } from './s3-notification';

/**
 * Orders keys as S3 lists them: by their UTF-8 bytes. JavaScript's `<` compares UTF-16 units, which
 * puts a character beyond U+FFFF (an emoji) before one in U+E000–U+FFFF (a fullwidth sign), the
 * reverse of S3's order: a resumed replay would then drop the keys S3 lists after its checkpoint.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface ListingOptions {
  /** A resumed replay's checkpoint: only keys after it. */
  readonly startAfter?: string;
  readonly onPrefix?: (prefix: string) => void;
}

/** One prefix's listing, from `marker` (the checkpoint, when it falls under or after the prefix). */
type PrefixListing = (prefix: string, marker: string | undefined) => AsyncIterable<ListedObject>;

/** Each prefix in turn, one paginated listing per prefix (never a listing of the bucket), after `startAfter`. */
async function* listEachPrefix(
  prefixes: readonly string[],
  options: ListingOptions,
  listPrefix: PrefixListing,
): AsyncGenerator<ListedObject> {
  const { startAfter } = options;
  for (const prefix of prefixes) {
    options.onPrefix?.(prefix);
    // Every key of this prefix sorts at or before the checkpoint: nothing left here.
    if (startAfter !== undefined && prefixEndsBefore(prefix, startAfter)) continue;
    const marker = startAfter !== undefined && compareKeys(startAfter, prefix) > 0 ? startAfter : undefined;
    for await (const object of listPrefix(prefix, marker)) {
      if (startAfter !== undefined && compareKeys(object.key, startAfter) <= 0) continue;
      yield object;
    }
  }
}

/** The objects under each prefix, in key order, after `startAfter` (a resumed replay's checkpoint). */
export function listUnderPrefixes(
  s3: S3Client,
  bucket: string,
  prefixes: readonly string[],
  options: ListingOptions = {},
): AsyncGenerator<ListedObject> {
  return listEachPrefix(prefixes, options, async function* (prefix, marker) {
    let token: string | undefined;
    do {
      const response = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          StartAfter: token === undefined ? marker : undefined,
        }),
      );
      for (const object of response.Contents ?? []) {
        if (!object.Key) continue;
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          eTag: object.ETag,
          lastModified: object.LastModified ?? new Date(0),
        };
      }
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (token);
  });
}

/**
 * Every version of the objects under each prefix (`--all-versions`), in key order, a key's versions
 * together (newest first, as S3 lists them), after the keys up to `startAfter`; delete markers are
 * not objects and are left out. A version is pinned by its id, except a key's current "null" version
 * (a bucket never versioned, or versioning suspended): read by key, as the forwarder reads a
 * notification of it. Needs s3:ListBucketVersions and s3:GetObjectVersion.
 */
export function listVersionsUnderPrefixes(
  s3: S3Client,
  bucket: string,
  prefixes: readonly string[],
  options: ListingOptions = {},
): AsyncGenerator<ListedObject> {
  return listEachPrefix(prefixes, options, async function* (prefix, marker) {
    let keyMarker = marker;
    let versionIdMarker: string | undefined;
    do {
      const response = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      for (const version of response.Versions ?? []) {
        if (!version.Key) continue;
        const pinned = version.VersionId && !(version.VersionId === 'null' && version.IsLatest);
        yield {
          key: version.Key,
          size: version.Size ?? 0,
          eTag: version.ETag,
          lastModified: version.LastModified ?? new Date(0),
          ...(pinned ? { versionId: version.VersionId } : {}),
        };
      }
      keyMarker = response.IsTruncated ? response.NextKeyMarker : undefined;
      versionIdMarker = response.IsTruncated ? response.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
  });
}

/** True when every key starting with `prefix` sorts before or at `key` (and `key` is not under it). */
function prefixEndsBefore(prefix: string, key: string): boolean {
  return !key.startsWith(prefix) && compareKeys(prefix, key) < 0;
}
