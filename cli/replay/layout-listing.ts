import type { S3Client } from '@aws-sdk/client-s3';
import type { ControlObject } from '../../lambda/core/config/presets';
import { classifyKey, isValidLogType, normalizePrefix } from '../../lambda/core/layout/key-layout';
import {
  DEFAULT_KEY_LAYOUT,
  floorTo,
  intervalInRange,
  matchKey,
  parseKeyPattern,
  timeFolderPrefixes,
  type KeyPattern,
  type TimeRange,
} from '../../lambda/core/layout/key-pattern';
import { childPrefixes } from '../status/layout-walk';
import type { ListedObject } from './s3-notification';

/** A source as the replay needs it: where its objects are and what their keys say. */
export interface ListingSource {
  readonly name: string;
  readonly prefix: string;
  /** Default: StrongDM's layout. */
  readonly keyLayout?: string;
  /** The log type of a layout without `{logType}`. */
  readonly logType?: string;
  readonly controlObjects?: readonly ControlObject[];
}

export interface ListingPlan {
  /** The log types replayed, in key order. */
  readonly logTypes: readonly string[];
  /** The key prefixes to list, ascending (key order) and disjoint, so a checkpoint's last key orders them. */
  readonly prefixes: readonly string[];
  /** Why a listed object is not replayed (outside the range, or not a log), or undefined to replay it. */
  readonly skipReason: (object: ListedObject) => 'outside-range' | 'not-a-log' | undefined;
  /** The log type the forwarder reads an object as. */
  readonly logTypeOf: (key: string) => string;
}

const byKeyOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Which prefixes hold a source's objects of a time range, by its key layout: the folders before the
 * time folders are walked (literal ones appended, `{logType}` ones taken from the request or listed,
 * `{*}` ones listed), then the time folders of the range are appended at the finest unit they give
 * (`2024/02/01/18/50/` for StrongDM, `20240201/` for Cloudflare, `2024/02/01/` for CloudTrail).
 *
 * Which listed objects are replayed: all of them when the folders name the minute; otherwise those whose
 * key names a minute in the range (CloudTrail's file names), and else those S3 stored (LastModified)
 * in the range, for which the listing starts one folder earlier (an object is written after the
 * time its folder names). Objects that hold no logs (a digest, an ownership token) are never replayed.
 */
export async function planListing(
  s3: S3Client,
  bucket: string,
  source: ListingSource,
  range: TimeRange,
  requestedLogTypes?: readonly string[],
): Promise<ListingPlan> {
  const layout = parseKeyPattern(source.keyLayout ?? DEFAULT_KEY_LAYOUT);
  const root = normalizePrefix(source.prefix);
  const folders = layout.timeFolders;
  const minuteFolders = folders?.units[folders.units.length - 1] === 'minute';
  const minuteKeys = layout.keyResolution === 'minute';
  const walked = folders ? folders.first : layout.segments.length - 1;
  const requested = requestedLogTypes?.length
    ? [...requestedLogTypes].sort((a, b) => byKeyOrder(`${a}/`, `${b}/`))
    : undefined;

  let candidates: { prefix: string; logType?: string }[] = [
    { prefix: root === '' ? '' : `${root}/`, logType: source.logType },
  ];
  for (let index = 0; index < walked; index += 1) {
    candidates = await expand(s3, bucket, layout, index, candidates, requested);
  }
  if (layout.logTypeSegment === undefined && requested) {
    candidates = candidates.filter(
      (candidate) => candidate.logType !== undefined && requested.includes(candidate.logType),
    );
  }
  const times = folders
    ? timeFolderPrefixes(layout, range, { widenBefore: !minuteFolders && !minuteKeys })
    : [''];
  const prefixes = candidates.flatMap((candidate) => times.map((time) => `${candidate.prefix}${time}`));
  const logTypes = [
    ...new Set(candidates.flatMap((candidate) => (candidate.logType ? [candidate.logType] : []))),
  ].sort((a, b) => byKeyOrder(`${a}/`, `${b}/`));

  const rangeStart = floorTo(range.from, 'minute').getTime();
  const head = root === '' ? '' : `${root}/`;
  return {
    logTypes,
    prefixes,
    logTypeOf: (key) => {
      const where = classifyKey(key, [source]);
      return where.kind === 'record-object' ? where.logType : (source.logType ?? 'unknown');
    },
    skipReason: (object) => {
      if (classifyKey(object.key, [source]).kind !== 'record-object') return 'not-a-log';
      if (minuteFolders) return undefined;
      const time = matchKey(layout, object.key.slice(head.length))?.time;
      if (time?.unit === 'minute') return intervalInRange(time, range) ? undefined : 'outside-range';
      const written = object.lastModified.getTime();
      return written >= rangeStart && written < range.to.getTime() ? undefined : 'outside-range';
    },
  };
}

/** The candidates one folder segment deeper. */
async function expand(
  s3: S3Client,
  bucket: string,
  layout: KeyPattern,
  index: number,
  candidates: readonly { readonly prefix: string; readonly logType?: string }[],
  requested: readonly string[] | undefined,
): Promise<{ prefix: string; logType?: string }[]> {
  const segment = layout.segments[index];
  const [only] = segment.parts;
  if (segment.parts.length === 1 && only.kind === 'literal') {
    return candidates.map((candidate) => ({ ...candidate, prefix: `${candidate.prefix}${only.text}/` }));
  }
  const isLogType = layout.logTypeSegment === index;
  const next: { prefix: string; logType?: string }[] = [];
  for (const candidate of candidates) {
    const names =
      isLogType && requested
        ? requested
        : (await childPrefixes(s3, bucket, candidate.prefix))
            .filter((name) => segment.regex.test(name) && (!isLogType || isValidLogType(name)))
            .sort((a, b) => byKeyOrder(`${a}/`, `${b}/`));
    for (const name of names) {
      next.push({ prefix: `${candidate.prefix}${name}/`, logType: isLogType ? name : candidate.logType });
    }
  }
  return next;
}
