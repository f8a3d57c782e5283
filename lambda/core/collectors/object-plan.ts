import { createHash } from 'node:crypto';
import { buildObjectKey } from '../layout/key-layout';
import type { CollectedRecord } from './types';

/** Bumped only if the naming ever changes: objects already written would then be written again. */
const SCHEME = 'sluice-collector-object-v1';

/**
 * How many of the first `records` go into the next object: at most `maxRecords`, and at most
 * `maxBytes` of NDJSON (each line plus its newline); always at least one, so that an event larger
 * than the cap still gets an object of its own rather than being stuck.
 */
export function nextObjectSize(
  records: readonly CollectedRecord[],
  maxRecords: number,
  maxBytes: number,
): number {
  let bytes = 0;
  let count = 0;
  for (const record of records) {
    if (count === maxRecords) break;
    const size = Buffer.byteLength(record.line, 'utf8') + 1;
    if (count > 0 && bytes + size > maxBytes) break;
    bytes += size;
    count += 1;
  }
  return count;
}

/** The events as NDJSON: one line each, every line ending in a newline. */
export function ndjson(records: readonly CollectedRecord[]): Buffer {
  return Buffer.from(records.map((record) => `${record.line}\n`).join(''), 'utf8');
}

/**
 * An RFC 9562 version-8 UUID from SHA-256 of the collector and the ids of the object's events in
 * order: the same events always get the same name, so a run that repeats a write after a crash finds
 * the object there instead of adding a second copy for the forwarder to deliver again.
 */
export function objectUuid(collector: string, logType: string, ids: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([SCHEME, collector, logType]));
  for (const id of ids) hash.update(`\n${JSON.stringify(id)}`);
  const hex = hash.digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

export interface ObjectKeyOptions {
  readonly collector: string;
  readonly prefix: string;
  readonly logType: string;
  readonly gzip: boolean;
}

/**
 * `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json[.gz]`, the minute being the first event's time
 * (not the time of writing): the name depends on nothing but the events, and a replay of a time range
 * finds the events of that range.
 */
export function objectKey(records: readonly CollectedRecord[], options: ObjectKeyOptions): string {
  if (records.length === 0) throw new RangeError('an object needs at least one event');
  return buildObjectKey({
    prefix: options.prefix,
    logType: options.logType,
    at: new Date(records[0].timestamp.epochMillis),
    id: objectUuid(
      options.collector,
      options.logType,
      records.map((record) => record.id),
    ),
    gzip: options.gzip,
  });
}
