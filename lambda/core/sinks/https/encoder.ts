import type { OutboundRecord } from '../../records/types';
import { BodyWriter } from '../body-writer';

/** `[` + record texts joined by `,` + `]`: a JSON array built without re-serializing any record. */
export function encodeJsonArray(batch: readonly OutboundRecord[]): Buffer {
  let estimate = 2;
  for (const record of batch) estimate += record.bytes.length + 1;
  const writer = new BodyWriter(estimate);
  writer.write('[');
  for (let index = 0; index < batch.length; index += 1) {
    if (index > 0) writer.write(',');
    writer.writeBytes(batch[index].bytes);
  }
  writer.write(']');
  return writer.bytes();
}

/** Bytes one record adds: its text plus a separator (the brackets are covered by the first record's). */
export function jsonArrayEncodedSize(record: OutboundRecord): number {
  return record.bytes.length + 1;
}
