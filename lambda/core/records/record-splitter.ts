import type { EventFactory } from './event-factory';
import { LineReader, type Handoff } from './line-reader';
import { ObjectScanner } from './object-scanner';
import type { ReadEvent, RecordFormat } from './read-event';

/**
 * Cuts a byte stream into records, whatever the chunking: the same bytes always give the same events.
 *
 * - `ndjson`: the line reader only; a line that is not a JSON object is reported and the next line read.
 * - `concatenated`: the object scanner only (see its resynchronisation rule).
 * - `auto`: decided for each record from its first non-blank line. A line that is a complete JSON value
 *   is an NDJSON record (read at NDJSON speed); any other line (a pretty-printed object's lone `{`,
 *   several objects on one line, damage, a line over the size limit) is read by the object scanner
 *   from that line on, until the scanner is back at a line start between objects. So one object may
 *   mix NDJSON lines and pretty-printed objects.
 */
export class RecordSplitter {
  private nextOffset: number;
  private mode: 'lines' | 'scan';
  private readonly lines: LineReader;
  private readonly scanner: ObjectScanner;

  /** `startOffset`: the absolute offset of the first byte that will be pushed. */
  constructor(format: RecordFormat, events: EventFactory, startOffset: number) {
    this.nextOffset = startOffset;
    this.lines = new LineReader(events, format === 'auto');
    this.scanner = new ObjectScanner(events, format === 'auto');
    this.mode = format === 'concatenated' ? 'scan' : 'lines';
  }

  *push(chunk: Buffer): Generator<ReadEvent, void> {
    const base = this.nextOffset;
    this.nextOffset += chunk.length;
    yield* this.feed(chunk, 0, base);
  }

  *finish(): Generator<ReadEvent, void> {
    if (this.mode === 'lines') {
      yield* this.lines.finish();
      const handoff = this.lines.takeHandoff();
      if (!handoff) return;
      this.mode = 'scan';
      yield* this.feedPieces(handoff);
      // The scanner may have handed back to the line reader, which then holds the last line.
      if (this.inLineMode()) {
        yield* this.finish();
        return;
      }
    }
    yield* this.scanner.finish();
  }

  private inLineMode(): boolean {
    return this.mode === 'lines';
  }

  private *feed(buf: Buffer, from: number, base: number): Generator<ReadEvent, void> {
    let pos = from;
    while (pos < buf.length) {
      if (this.mode === 'lines') {
        pos = yield* this.lines.consume(buf, pos, base);
        const handoff = this.lines.takeHandoff();
        if (handoff) {
          this.mode = 'scan';
          yield* this.feedPieces(handoff);
        }
      } else {
        pos = yield* this.scanner.consume(buf, pos, base);
        if (this.scanner.takeHandBack()) this.mode = 'lines';
      }
    }
  }

  /** The scanner re-reads the part of a handed-off line that came in earlier buffers. */
  private *feedPieces(handoff: Handoff): Generator<ReadEvent, void> {
    let base = handoff.offset;
    for (const piece of handoff.pieces) {
      yield* this.feed(piece, 0, base);
      base += piece.length;
    }
  }
}
