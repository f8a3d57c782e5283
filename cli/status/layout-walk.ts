import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isValidLogType, normalizePrefix } from '../../lambda/core/layout/key-layout';

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

const WIDTHS = [4, 2, 2, 2, 2];

/**
 * The newest object of one log type, found by descending the layout's time folders (the greatest
 * year, then month, day, hour, minute): a handful of requests, never a listing of the log type.
 */
export async function newestInLogType(
  s3: S3Client,
  bucket: string,
  logTypePrefix: string,
): Promise<NewestObject | undefined> {
  let prefix = logTypePrefix;
  for (const width of WIDTHS) {
    const pattern = new RegExp(`^\\d{${width}}$`);
    const names = (await childPrefixes(s3, bucket, prefix)).filter((name) => pattern.test(name)).sort();
    const newest = names.at(-1);
    if (newest === undefined) return undefined;
    prefix = `${prefix}${newest}/`;
  }
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

/** The newest object of a source, over its log types. */
export async function newestInSource(
  s3: S3Client,
  bucket: string,
  sourcePrefix: string,
): Promise<NewestObject | undefined> {
  const root = `${normalizePrefix(sourcePrefix)}/`;
  let best: NewestObject | undefined;
  for (const logType of await logTypesUnder(s3, bucket, sourcePrefix)) {
    const newest = await newestInLogType(s3, bucket, `${root}${logType}/`);
    if (newest && (!best || newest.lastModified > best.lastModified)) best = newest;
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
