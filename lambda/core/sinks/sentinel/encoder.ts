import type { OutboundRecord } from '../../records/types';
import { BodyWriter } from '../body-writer';

/** The column every Log Analytics table has; a DCR without it in the stream drops the rows. */
export const TIME_COLUMN = 'TimeGenerated';

/**
 * `TimeGenerated` at 100 ns, the resolution of a Kusto `datetime`: more fraction digits than 7 are
 * cut (never rounded, so a record never moves into the next tick). `iso` is RFC 3339 in UTC (`Z`).
 */
export function timeGenerated(iso: string): string {
  const point = iso.indexOf('.');
  if (point === -1 || !iso.endsWith('Z')) return iso;
  const end = iso.length - 1; // the `Z`
  return end - point - 1 > 7 ? `${iso.slice(0, point + 8)}Z` : iso;
}

/** True for `{}` and `{ }`: the only objects with nothing after the opening brace. */
function isEmptyObject(json: Uint8Array): boolean {
  for (let index = 1; index < json.length; index += 1) {
    const char = json[index];
    if (char === 0x7d /* } */) return true;
    if (char !== 0x20 && char !== 0x09 && char !== 0x0a && char !== 0x0d) return false;
  }
  return false;
}

/** Searched for in every record: encoded once, not on each search. */
const TIME_COLUMN_BYTES = Buffer.from(TIME_COLUMN);
const UNICODE_ESCAPE = Buffer.from('\\u');

/** A record's own `TimeGenerated` wins (a duplicate key would leave the choice to the parser). */
function needsTime(record: OutboundRecord): boolean {
  const { bytes } = record;
  if (bytes[0] !== 0x7b /* { */) return false;
  // Without `\u` escapes, the key can only be written as such: no need to parse the record.
  if (bytes.indexOf(TIME_COLUMN_BYTES) === -1 && bytes.indexOf(UNICODE_ESCAPE) === -1) return true;
  return !Object.prototype.hasOwnProperty.call(record.value, TIME_COLUMN);
}

/** `"TimeGenerated":"…"`: ASCII, so its length is its size in bytes. */
const timeField = (record: OutboundRecord): string =>
  `"${TIME_COLUMN}":"${timeGenerated(record.timestamp.iso)}"`;

/**
 * The Logs Ingestion API body: a JSON array of the records, each with a `TimeGenerated` column from
 * the record's timestamp spliced in after its opening brace. Records are otherwise copied byte for
 * byte, never parsed or re-serialized.
 */
export function encodeIngestionBody(batch: readonly OutboundRecord[]): Buffer {
  let estimate = 2;
  for (const record of batch) estimate += record.bytes.length + 64;
  const writer = new BodyWriter(estimate);
  writer.write('[');
  for (let index = 0; index < batch.length; index += 1) {
    const record = batch[index];
    if (index > 0) writer.write(',');
    if (!needsTime(record)) {
      writer.writeBytes(record.bytes);
    } else if (isEmptyObject(record.bytes)) {
      writer.write(`{${timeField(record)}}`);
    } else {
      writer.write(`{${timeField(record)},`);
      writer.writeBytes(record.bytes.subarray(1));
    }
  }
  writer.write(']');
  return writer.bytes();
}

/**
 * Exact bytes one record adds to a body: the record, its `TimeGenerated` field and one separator (the
 * first record's covers both brackets, so a body is the sum plus one byte).
 */
export function ingestionEncodedSize(record: OutboundRecord): number {
  if (!needsTime(record)) return record.bytes.length + 1;
  const field = timeField(record).length;
  // `{` + field + `}` in place of an empty object; else field + `,` spliced in.
  return (isEmptyObject(record.bytes) ? field + 2 : record.bytes.length + field + 1) + 1;
}
