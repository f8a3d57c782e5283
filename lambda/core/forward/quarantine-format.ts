import { timePath } from '../layout/key-layout';
import type { ObjectRef } from '../notifications/object-ref';
import type { QuarantineEntry } from './ports';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function rawField(raw: Uint8Array): { raw: string; rawEncoding: 'utf8' | 'base64' } {
  try {
    return { raw: strictUtf8.decode(raw), rawEncoding: 'utf8' };
  } catch {
    return { raw: Buffer.from(raw).toString('base64'), rawEncoding: 'base64' };
  }
}

/** `<prefix>/<source>/YYYY/MM/DD/HH/MM/<id>.json`: browsable by time like the sources themselves. */
export function quarantineKey(prefix: string, source: string, at: Date, id: string): string {
  return `${prefix}/${source}/${timePath(at)}/${id}.json`;
}

/** One JSON line per entry: why, where (bucket, key, version, byte offset) and what (the bytes or the record). */
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
