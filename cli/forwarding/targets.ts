import { classifyKey, isValidLogType } from '../../lambda/core/layout/key-layout';
import type { SourceWithPrefix } from '../../lambda/core/forward/process-message';
import type { ObjectRef } from '../../lambda/core/notifications/object-ref';
import { usageError } from '../shared/errors';
import { isCanaryKey } from '../verify/canary';
import type { LocalFile } from './local-files';

/** One object `sluice forward` will send, with the source and log type it is read as. */
export interface ForwardTarget {
  readonly ref: ObjectRef;
  readonly source: SourceWithPrefix;
  readonly logType: string;
}

export interface SkippedTarget {
  readonly key: string;
  readonly reason: string;
}

/** `s3://bucket/prefix` → bucket and prefix; anything else is a local path. */
export function parseS3Url(value: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(value);
  return match ? { bucket: match[1], prefix: match[2] } : undefined;
}

/** The log type a local path names when it follows the layout (`…/<logType>/YYYY/MM/DD/HH/MM/<file>`). */
export function logTypeOfPath(key: string): string | undefined {
  const match = /(?:^|\/)([^/]+)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\/[^/]+$/.exec(key);
  return match && isValidLogType(match[1]) ? match[1] : undefined;
}

/**
 * Which source reads each object: S3 keys by the configured prefixes (as the forwarder decides), or
 * `--source` for keys outside them and for local files. Vendor test objects are skipped, as always,
 * and so are `sluice verify`'s canaries (they proved the path when verify wrote them).
 */
export function planTargets(
  objects: readonly ObjectRef[],
  sources: readonly SourceWithPrefix[],
  options: {
    readonly sourceName?: string;
    readonly logType?: string;
    readonly local?: ReadonlySet<string>;
    /**
     * The sources of the configuration file, by name: a local file is read as the only one of them
     * by default. `sources` also holds the alerts source detections add, which no export is.
     * Default: every source.
     */
    readonly configured?: ReadonlySet<string>;
  },
): { targets: ForwardTarget[]; skipped: SkippedTarget[] } {
  const chosen = options.sourceName
    ? sources.find((source) => source.name === options.sourceName)
    : undefined;
  if (options.sourceName && !chosen) {
    throw usageError(
      `source '${options.sourceName}' is not configured. Fix: use one of ${sources.map((s) => s.name).join(', ')}`,
    );
  }
  const own = sources.filter((source) => options.configured?.has(source.name) ?? true);
  const localDefault = own.length === 1 ? own[0] : undefined;
  if (!chosen && !localDefault && (options.local?.size ?? 0) > 0) {
    // Skipping every local file and exiting 0 would look like a forward that found nothing to do.
    throw usageError(
      `local files have no key prefix to tell their source, and ${own.length} sources are configured. Fix: pass --source with one of ${own.map((s) => s.name).join(', ')}`,
    );
  }
  const targets: ForwardTarget[] = [];
  const skipped: SkippedTarget[] = [];
  for (const ref of objects) {
    const isLocal = options.local?.has(ref.key) ?? false;
    const where = isLocal ? undefined : classifyKey(ref.key, sources);
    if (where?.kind === 'vendor-test') {
      skipped.push({ key: ref.key, reason: `${where.what} holds no logs: never forwarded` });
      continue;
    }
    if (!isLocal && isCanaryKey(ref.key)) {
      skipped.push({
        key: ref.key,
        reason: 'a sluice verify canary is forwarded once, when verify writes it',
      });
      continue;
    }
    if (where?.kind === 'record-object' && !chosen) {
      targets.push({ ref, source: where.source, logType: options.logType ?? where.logType });
      continue;
    }
    // A local file has no prefix to tell its source: the only source, or --source.
    const source = chosen ?? (isLocal ? localDefault : undefined);
    if (!source) {
      skipped.push({ key: ref.key, reason: 'outside every source prefix; pass --source to read it as one' });
      continue;
    }
    const logType =
      options.logType ??
      (where?.kind === 'record-object' ? where.logType : undefined) ??
      logTypeOfPath(ref.key) ??
      'unknown';
    targets.push({ ref, source, logType });
  }
  return { targets, skipped };
}

export function localRefs(files: readonly LocalFile[]): ObjectRef[] {
  return files.map((file) => file.ref);
}
