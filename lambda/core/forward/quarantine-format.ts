import { createHash } from 'node:crypto';
import { timePath } from '../layout/key-layout';
import type { ObjectRef } from '../notifications/object-ref';
import type { QuarantineEntry } from './ports';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Bumped only if the file names ever change: a retried object would then quarantine its records again. */
const NAME_SCHEME = 'sluice-quarantine-v1';
/** `…/YYYY/MM/DD/HH/MM/<file>` at the end of a key: the layout's time folders. */
const LAYOUT_TIME = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/;

function rawField(raw: Uint8Array): { raw: string; rawEncoding: 'utf8' | 'base64' } {
  try {
    return { raw: strictUtf8.decode(raw), rawEncoding: 'utf8' };
  } catch {
    return { raw: Buffer.from(raw).toString('base64'), rawEncoding: 'base64' };
  }
}

/**
 * The minute an object's quarantine is filed under: the time folders of its key when it follows the
 * layout, else when S3 saw it. Never the time of quarantining, so that every read of the object (a
 * retry tomorrow, a replay next month) looks for its quarantine in the same place.
 */
export function quarantineTime(object: ObjectRef): Date {
  const match = LAYOUT_TIME.exec(object.key);
  if (match) {
    const [year, month, day, hour, minute] = match.slice(1).map(Number);
    const at = new Date(Date.UTC(year, month - 1, day, hour, minute));
    // Folders that are not a real minute (month 13, hour 24) are not the layout's.
    if (timePath(at) === match.slice(1).join('/')) return at;
  }
  return object.eventTime;
}

/**
 * `<source>/YYYY/MM/DD/HH/MM/<object>-<part>.json`, relative to the quarantine prefix: browsable by
 * time like the sources themselves. `<object>` hashes bucket, key and ETag (27 base64url characters),
 * so the same bytes always name the same files; `<part>` counts the files of one object from 0.
 */
export function quarantineName(source: string, object: ObjectRef, eTag: string, part: number): string {
  const identity = createHash('sha256')
    .update(JSON.stringify([NAME_SCHEME, object.bucket, object.key, eTag]), 'utf8')
    .digest('base64url')
    .slice(0, 27);
  return `${source}/${timePath(quarantineTime(object))}/${identity}-${part}.json`;
}

/** What makes two entries the same quarantined record: where it is, and who refused it (if anyone). */
export function entryIdentity(entry: { readonly offset: number; readonly destination?: string }): string {
  return entry.destination === undefined ? `${entry.offset}` : `${entry.offset}/${entry.destination}`;
}

/** The identities of the entries of a quarantine file (lines it cannot read are not counted as stored). */
export function storedIdentities(file: string): string[] {
  const identities: string[] = [];
  for (const line of file.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as { offset?: unknown; destination?: unknown };
      if (typeof parsed.offset !== 'number') continue;
      identities.push(
        entryIdentity({
          offset: parsed.offset,
          destination: typeof parsed.destination === 'string' ? parsed.destination : undefined,
        }),
      );
    } catch {
      // Not one of ours: whatever it holds, it does not stand for an entry.
    }
  }
  return identities;
}

/** One JSON line per entry: why, where (bucket, key, version, ETag, byte offset) and what (the bytes or the record). */
export function quarantineLines(entries: readonly QuarantineEntry[], object: ObjectRef, at: Date): string {
  return entries
    .map((entry) =>
      JSON.stringify({
        quarantinedAt: at.toISOString(),
        code: entry.code,
        reason: entry.reason,
        bucket: object.bucket,
        key: object.key,
        versionId: object.versionId,
        eTag: object.eTag,
        offset: entry.offset,
        destination: entry.destination,
        recordId: entry.recordId,
        logType: entry.logType,
        record: entry.record,
        ...(entry.raw ? rawField(entry.raw) : {}),
      }),
    )
    .join('\n')
    .concat('\n');
}
