import type { EventFactory } from './event-factory';
import { LineReader, type Handoff } from './line-reader';
import { ObjectScanner } from './object-scanner';
import type { ReadEvent, RecordFormat } from './read-event';
import { RecordsArrayScanner } from './records-array-scanner';

/**
 * Cuts a byte stream into records, whatever the chunking: the same bytes always give the same events.
 *
 * - `ndjson`: the line reader only; a line that is not a JSON object is reported and the next line read.
 * - `concatenated`: the object scanner only (see its resynchronisation rule).
 * - `records-array`: the elements of a document's top-level `Records` array (CloudTrail), see
 *   RecordsArrayScanner.
 * - `auto`: decided for each record from its first non-blank line. A line that is a complete JSON value
 *   is an NDJSON record (read at NDJSON speed); any other line (a pretty-printed object's lone `{`,
 *   several objects on one line, damage, a line over the size limit) is read by the object scanner
 *   from that line on, until the scanner is back at a line start between objects. So one object may
 *   mix NDJSON lines and pretty-printed objects.
 *
 * Events are appended to an array per chunk rather than yielded one by one: a generator resumption
 * per record (three, through the nested readers) was a measurable share of the forwarder's time.
 */
export class RecordSplitter {
  private nextOffset: number;
  private mode: 'lines' | 'scan';
  private readonly lines: LineReader;
  private readonly scanner: ObjectScanner;
  private readonly array: RecordsArrayScanner | undefined;

  /** `startOffset`: the absolute offset of the first byte that will be pushed. */
  constructor(format: RecordFormat, events: EventFactory, startOffset: number) {
    this.nextOffset = startOffset;
    this.lines = new LineReader(events, format === 'auto');
    this.scanner = new ObjectScanner(events, format === 'auto');
    this.array = format === 'records-array' ? new RecordsArrayScanner(events) : undefined;
    this.mode = format === 'concatenated' ? 'scan' : 'lines';
  }

  /** The events that end in `chunk` (a record cut at its end comes with a later chunk). */
  push(chunk: Buffer): ReadEvent[] {
    const out: ReadEvent[] = [];
    const base = this.nextOffset;
    this.nextOffset += chunk.length;
    if (this.array) this.array.consume(chunk, 0, base, out);
    else this.feed(chunk, 0, base, out);
    return out;
  }

  /** The events the end of the stream completes. */
  finish(): ReadEvent[] {
    const out: ReadEvent[] = [];
    if (this.array) this.array.finish(this.nextOffset, out);
    else this.finishInto(out);
    return out;
  }

  private finishInto(out: ReadEvent[]): void {
    if (this.mode === 'lines') {
      this.lines.finish(out);
      const handoff = this.lines.takeHandoff();
      if (!handoff) return;
      this.mode = 'scan';
      this.feedPieces(handoff, out);
      // The scanner may have handed back to the line reader, which then holds the last line.
      if (this.inLineMode()) {
        this.finishInto(out);
        return;
      }
    }
    this.scanner.finish(out);
  }

  private inLineMode(): boolean {
    return this.mode === 'lines';
  }

  private feed(buf: Buffer, from: number, base: number, out: ReadEvent[]): void {
    let pos = from;
    while (pos < buf.length) {
      if (this.mode === 'lines') {
        pos = this.lines.consume(buf, pos, base, out);
        const handoff = this.lines.takeHandoff();
        if (handoff) {
          this.mode = 'scan';
          this.feedPieces(handoff, out);
        }
      } else {
        pos = this.scanner.consume(buf, pos, base, out);
        if (this.scanner.takeHandBack()) this.mode = 'lines';
      }
    }
  }

  /** The scanner re-reads the part of a handed-off line that came in earlier buffers. */
  private feedPieces(handoff: Handoff, out: ReadEvent[]): void {
    let base = handoff.offset;
    for (const piece of handoff.pieces) {
      this.feed(piece, 0, base, out);
      base += piece.length;
    }
  }
}
