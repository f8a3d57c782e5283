import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords } from '../../../lambda/core/records/reader';
import type {
  InvalidEvent,
  ReadEvent,
  ReaderOptions,
  RecordEvent,
} from '../../../lambda/core/records/read-event';

export const DEFAULT_OPTIONS: ReaderOptions = {
  format: 'auto',
  maxRecordBytes: 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
};

export function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** The three pretty-printed, vendor-style records of the fixture (4-space indent, non-ASCII text). */
export function prettyFixture(): Buffer {
  return readFileSync(join(__dirname, '../../fixtures/records/strongdm-pretty.json'));
}

/** Cuts `data` at the given positions (sorted, deduplicated, out-of-range ignored). */
export function cut(data: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const points = [...new Set(positions.filter((p) => p > 0 && p < data.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, data.length]) {
    chunks.push(data.subarray(previous, point));
    previous = point;
  }
  return chunks;
}

export function everyByte(data: Uint8Array): Uint8Array[] {
  return Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
}

export async function* streamOf(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** Every event of `input`: one buffer, a list of chunks, or a stream. */
export async function readAll(
  input: Uint8Array | readonly Uint8Array[] | AsyncIterable<Uint8Array>,
  options: Partial<ReaderOptions> = {},
): Promise<ReadEvent[]> {
  const body =
    input instanceof Uint8Array ? streamOf([input]) : Symbol.asyncIterator in input ? input : streamOf(input);
  const events: ReadEvent[] = [];
  for await (const event of readRecords(body, { ...DEFAULT_OPTIONS, ...options })) events.push(event);
  return events;
}

export function records(events: readonly ReadEvent[]): RecordEvent[] {
  return events.filter((event): event is RecordEvent => event.kind === 'record');
}

export function invalids(events: readonly ReadEvent[]): InvalidEvent[] {
  return events.filter((event): event is InvalidEvent => event.kind === 'invalid');
}

/**
 * Events in a form that compares well in assertion messages (raw bytes as text). A record's bytes must
 * be its text, byte for byte, or its text is shown as `bytes differ from text`.
 */
export function outline(events: readonly ReadEvent[]): unknown[] {
  return events.map((event) =>
    event.kind === 'record'
      ? {
          record: event.bytes.equals(Buffer.from(event.text)) ? event.text : 'bytes differ from text',
          offset: event.offset,
          length: event.length,
          singleLine: event.singleLine,
        }
      : {
          invalid: event.code,
          offset: event.offset,
          length: event.length,
          raw: Buffer.from(event.raw).toString(),
        },
  );
}

/** The offset at which `needle` first occurs in `data` (from `from`), for readable expectations. */
export function offsetOf(data: Buffer, needle: string, from = 0): number {
  const at = data.indexOf(needle, from);
  if (at === -1) throw new Error(`${needle} not in test data`);
  return at;
}

/**
 * Bytes of buffers still alive. V8 frees buffer memory on a background thread after a collection,
 * so a few collections a little apart are needed to see a stable figure.
 */
export async function retainedBuffers(gc: () => void): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 5; attempt++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    lowest = Math.min(lowest, process.memoryUsage().arrayBuffers);
  }
  return lowest;
}

/** `global.gc` without a command-line flag, to measure retained memory deterministically. */
export function exposeGc(): () => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:v8').setFlagsFromString('--expose-gc');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:vm').runInNewContext('gc');
}
