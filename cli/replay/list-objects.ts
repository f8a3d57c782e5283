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

/**
 * The objects under each prefix, in key order, after `startAfter` (a resumed replay's checkpoint):
 * one paginated listing per prefix, never a listing of the bucket.
 */
export async function* listUnderPrefixes(
  s3: S3Client,
  bucket: string,
  prefixes: readonly string[],
  options: { startAfter?: string; onPrefix?: (prefix: string) => void } = {},
): AsyncGenerator<ListedObject> {
  for (const prefix of prefixes) {
    options.onPrefix?.(prefix);
    // Every key of this prefix sorts at or before the checkpoint: nothing left here.
    if (options.startAfter !== undefined && prefixEndsBefore(prefix, options.startAfter)) continue;
    let token: string | undefined;
    do {
      const response = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          StartAfter:
            token === undefined && options.startAfter && compareKeys(options.startAfter, prefix) > 0
              ? options.startAfter
              : undefined,
        }),
      );
      for (const object of response.Contents ?? []) {
        if (!object.Key) continue;
        if (options.startAfter !== undefined && compareKeys(object.Key, options.startAfter) <= 0) continue;
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          eTag: object.ETag,
          lastModified: object.LastModified ?? new Date(0),
        };
      }
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (token);
  }
}

/**
 * Every version of the objects under each prefix (`--all-versions`), in key order, a key's versions
 * together (newest first, as S3 lists them), after the keys up to `startAfter`; delete markers are
 * not objects and are left out. A version is pinned by its id, except a key's current "null" version
 * (a bucket never versioned, or versioning suspended): read by key, as the forwarder reads a
 * notification of it. Needs s3:ListBucketVersions and s3:GetObjectVersion.
 */
export async function* listVersionsUnderPrefixes(
  s3: S3Client,
  bucket: string,
  prefixes: readonly string[],
  options: { startAfter?: string; onPrefix?: (prefix: string) => void } = {},
): AsyncGenerator<ListedObject> {
  for (const prefix of prefixes) {
    options.onPrefix?.(prefix);
    if (options.startAfter !== undefined && prefixEndsBefore(prefix, options.startAfter)) continue;
    let keyMarker =
      options.startAfter && compareKeys(options.startAfter, prefix) > 0 ? options.startAfter : undefined;
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
        if (options.startAfter !== undefined && compareKeys(version.Key, options.startAfter) <= 0) continue;
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
  }
}

/** True when every key starting with `prefix` sorts before or at `key` (and `key` is not under it). */
function prefixEndsBefore(prefix: string, key: string): boolean {
  return !key.startsWith(prefix) && compareKeys(prefix, key) < 0;
}
