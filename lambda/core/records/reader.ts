import { SluiceError } from '../errors';
import { asBuffer } from './bytes';
import { EventFactory } from './event-factory';
import { decodedHead } from './object-bytes';
import { RECORD_FORMATS, type ReadEvent, type ReaderOptions } from './read-event';
import { RecordSplitter } from './record-splitter';
import { replay } from './stream-head';

export type { ReadEvent, ReaderOptions } from './read-event';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Streams the records of one object, one event at a time. See readRecordChunks, which the forwarder
 * uses: the same events, grouped by the chunk they end in.
 */
export async function* readRecords(
  body: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
): AsyncGenerator<ReadEvent, void> {
  for await (const events of readRecordChunks(body, options)) yield* events;
}

/**
 * Streams the records of one object: gzip is recognised by its magic bytes, a leading UTF-8 BOM is
 * skipped (it still counts in offsets), and the splitter cuts the bytes into records for the
 * configured format. Memory stays bounded whatever the object's size: the bytes of one record (at
 * most maxRecordBytes; larger ones are skipped, keeping 64 KiB) plus the chunks they sit in.
 *
 * Throws SluiceError for an object that cannot be read at all (corrupt or truncated gzip, gzip bomb,
 * bad options); a bad record is an `invalid` event and reading goes on. Events come in one array per
 * chunk (never empty): an await per chunk, not per record, on the hot path. Each array is the
 * caller's to empty once it is done with the events: the generator holds it until it is asked for
 * the next chunk, so a caller that awaits meanwhile keeps every event of the chunk alive unless it
 * empties the array.
 */
export async function* readRecordChunks(
  body: AsyncIterable<Uint8Array>,
  options: ReaderOptions,
): AsyncGenerator<ReadEvent[], void> {
  checkOptions(options);
  const startOffset = options.startOffset ?? 0;
  let stream: AsyncIterable<Buffer> = buffers(body);
  let firstOffset = startOffset;
  // A ranged read starts at a record inside a plain object: there is no magic or BOM to look for.
  if (startOffset === 0) {
    const decoded = await decodedHead(stream, options.maxDecompressedBytes, UTF8_BOM.length);
    const { rest } = decoded;
    let { head } = decoded;
    if (UTF8_BOM.every((byte, index) => head[index] === byte)) {
      head = head.subarray(UTF8_BOM.length);
      firstOffset = UTF8_BOM.length;
    }
    stream = replay(head, rest);
  }

  const splitter = new RecordSplitter(
    options.format,
    new EventFactory(options.maxRecordBytes, options.skipBefore ?? 0, options.fields),
    firstOffset,
  );
  for await (const chunk of stream) {
    const events = splitter.push(chunk);
    if (events.length > 0) yield events;
  }
  const last = splitter.finish();
  if (last.length > 0) yield last;
}

async function* buffers(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer, void> {
  for await (const chunk of body) {
    if (chunk.length > 0) yield asBuffer(chunk);
  }
}

function checkOptions(options: ReaderOptions): void {
  const problems: string[] = [];
  if (!RECORD_FORMATS.includes(options.format)) problems.push('format');
  if (!isCount(options.maxRecordBytes) || options.maxRecordBytes < 1) problems.push('maxRecordBytes');
  if (!isCount(options.maxDecompressedBytes) || options.maxDecompressedBytes < 1) {
    problems.push('maxDecompressedBytes');
  }
  if (options.startOffset !== undefined && !isCount(options.startOffset)) problems.push('startOffset');
  if (options.format === 'records-array' && (options.startOffset ?? 0) > 0) problems.push('startOffset');
  if (options.skipBefore !== undefined && !isCount(options.skipBefore)) problems.push('skipBefore');
  if (problems.length > 0) {
    throw new SluiceError('READER_INVALID_OPTIONS', `invalid record reader options: ${problems.join(', ')}`, {
      options: problems,
    });
  }
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
