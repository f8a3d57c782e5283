import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isValidLogType, normalizePrefix } from '../../lambda/core/layout/key-layout';
import { DEFAULT_KEY_LAYOUT, parseKeyPattern, type KeyPattern } from '../../lambda/core/layout/key-pattern';

/** The "folders" directly under `prefix` (which ends in `/`), without the prefix or the trailing slash. */
export async function childPrefixes(
  s3: S3Client,
  bucket: string,
  prefix: string,
  maxPages = 20,
): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const response = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const common of response.CommonPrefixes ?? []) {
      if (common.Prefix) names.push(common.Prefix.slice(prefix.length).replace(/\/$/, ''));
    }
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
    if (!token) break;
  }
  return names;
}

/** The log types that have objects under a source prefix (`<prefix>/<logType>/…`), sorted as keys sort. */
export async function logTypesUnder(s3: S3Client, bucket: string, sourcePrefix: string): Promise<string[]> {
  const root = `${normalizePrefix(sourcePrefix)}/`;
  const names = (await childPrefixes(s3, bucket, root)).filter(isValidLogType);
  return names.sort((a, b) => (`${a}/` < `${b}/` ? -1 : `${a}/` > `${b}/` ? 1 : 0));
}

export interface NewestObject {
  readonly key: string;
  readonly lastModified: Date;
  readonly size: number;
}

/**
 * The newest object of a source, by its key layout: literal folders are followed, time folders
 * descended by their greatest name (the layout writes them in calendar order), and `{logType}` or
 * `{*}` folders each searched, the newest over them winning. A handful of requests per log type (or
 * account and region), never a listing of the source.
 */
export async function newestInSource(
  s3: S3Client,
  bucket: string,
  sourcePrefix: string,
  keyLayout: string = DEFAULT_KEY_LAYOUT,
): Promise<NewestObject | undefined> {
  const root = normalizePrefix(sourcePrefix);
  return newestUnder(s3, bucket, parseKeyPattern(keyLayout), 0, root === '' ? '' : `${root}/`);
}

async function newestUnder(
  s3: S3Client,
  bucket: string,
  layout: KeyPattern,
  index: number,
  prefix: string,
): Promise<NewestObject | undefined> {
  if (index === layout.segments.length - 1) return newestObjectUnder(s3, bucket, prefix);
  const segment = layout.segments[index];
  const [only] = segment.parts;
  if (segment.parts.length === 1 && only.kind === 'literal') {
    return newestUnder(s3, bucket, layout, index + 1, `${prefix}${only.text}/`);
  }
  const folders = layout.timeFolders;
  const names = (await childPrefixes(s3, bucket, prefix))
    .filter((name) => segment.regex.test(name) && (layout.logTypeSegment !== index || isValidLogType(name)))
    .sort();
  if (folders && index >= folders.first && index < folders.end) {
    // Calendar order is key order here: the greatest folder holds the newest objects.
    for (const name of names.reverse()) {
      const newest = await newestUnder(s3, bucket, layout, index + 1, `${prefix}${name}/`);
      if (newest) return newest;
    }
    return undefined;
  }
  let best: NewestObject | undefined;
  for (const name of names) {
    const newest = await newestUnder(s3, bucket, layout, index + 1, `${prefix}${name}/`);
    if (newest && (!best || newest.lastModified > best.lastModified)) best = newest;
  }
  return best;
}

/** The newest object directly or deeper under a prefix, over at most 20 pages of its listing. */
async function newestObjectUnder(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<NewestObject | undefined> {
  let best: NewestObject | undefined;
  let token: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const response = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of response.Contents ?? []) {
      if (!object.Key || !object.LastModified) continue;
      if (!best || object.LastModified > best.lastModified) {
        best = { key: object.Key, lastModified: object.LastModified, size: object.Size ?? 0 };
      }
    }
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
    if (!token) break;
  }
  return best;
}

/** Objects under a prefix, counted up to `limit` (`truncated` when there are more). */
export async function countObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  limit: number,
): Promise<{ count: number; truncated: boolean }> {
  let count = 0;
  let token: string | undefined;
  do {
    const response = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        MaxKeys: Math.min(1000, limit - count + 1),
      }),
    );
    count += response.KeyCount ?? response.Contents?.length ?? 0;
    if (count > limit) return { count: limit, truncated: true };
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
  } while (token);
  return { count, truncated: false };
}
