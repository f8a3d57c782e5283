import { BYTE } from './bytes';
import type { EventFactory } from './event-factory';
import { parseRecordText } from './parse-record';
import { RawCapture, copyRaw } from './raw-capture';
import type { ReadEvent } from './read-event';

const { CLOSE_BRACE, CR, LF, OPEN_BRACE, SPACE, TAB } = BYTE;

function isBlank(byte: number): boolean {
  return byte === SPACE || byte === TAB || byte === CR;
}

/** completeLine's answer when the object scanner must read the line. */
const HAND_OFF = Symbol('hand off');

/** A line the line reader gives up on: the object scanner re-reads it from its first non-blank byte. */
export interface Handoff {
  /** The line's bytes from earlier buffers; the rest is in the buffer `consume` returned a position in. */
  readonly pieces: readonly Buffer[];
  /** Absolute offset of the first byte of `pieces` (the line's first non-blank byte). */
  readonly offset: number;
}

interface Overflow {
  readonly capture: RawCapture;
  bytes: number;
  lastByte: number;
}

/**
 * Reads one record per line. This is the hot path, so it works on whole buffers: `indexOf` finds
 * line feeds natively, a line is decoded once with `toString(start, end)` straight from the chunk,
 * and bytes are copied only for a line that spans chunks. Splitting on bytes (never on decoded text)
 * keeps a character cut across two chunks intact.
 *
 * A record's offset is its first non-blank byte. A line whose content (without its CRLF/LF) exceeds
 * maxRecordBytes is skipped without being buffered: only its first 64 KiB are kept for the quarantine.
 *
 * With `handOffUnparsable` (the `auto` format) a line that is not a complete JSON value, or is too
 * long, is handed to the object scanner instead of being reported: it is the first line of a
 * pretty-printed object, or of several objects written on one line.
 */
export class LineReader {
  private atLineStart = true;
  private contentStart = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflow: Overflow | undefined;
  private handoff: Handoff | undefined;

  constructor(
    private readonly events: EventFactory,
    private readonly handOffUnparsable: boolean,
  ) {}

  /** The line to re-read with the object scanner, once, after `consume` or `finish` stopped for it. */
  takeHandoff(): Handoff | undefined {
    const handoff = this.handoff;
    this.handoff = undefined;
    return handoff;
  }

  /**
   * Reads `buf` from `from` (`base` is the absolute offset of `buf[0]`) and appends its events to `out`.
   * Returns `buf.length`, or the position where the object scanner must take over (then
   * `takeHandoff()` says what it needs first).
   */
  consume(buf: Buffer, from: number, base: number, out: ReadEvent[]): number {
    const length = buf.length;
    let pos = from;
    while (pos < length) {
      if (this.atLineStart) {
        while (isBlank(buf[pos])) {
          if (++pos === length) return pos;
        }
        if (buf[pos] === LF) {
          pos += 1;
          continue;
        }
        this.atLineStart = false;
        this.contentStart = base + pos;
      }
      const newline = buf.indexOf(LF, pos);

      if (this.overflow) {
        const end = newline === -1 ? length : newline;
        this.overflow.capture.add(buf, pos, end);
        this.overflow.bytes += end - pos;
        if (end > pos) this.overflow.lastByte = buf[end - 1];
        if (newline === -1) return length;
        const event = this.endOverflow();
        pos = newline + 1;
        if (event) out.push(event);
        continue;
      }

      if (newline === -1) {
        const total = this.pendingBytes + (length - pos);
        // +1: a CR before the line feed does not count, and it may still come.
        if (total > this.events.maxRecordBytes + 1) {
          if (this.handOffUnparsable) return this.handOff(pos);
          this.overflow = { capture: new RawCapture(), bytes: total, lastByte: buf[length - 1] };
          this.overflow.capture.addAll(this.pending);
          this.overflow.capture.add(buf, pos, length);
          this.clearPending();
          return length;
        }
        this.pending.push(pos === 0 ? buf : buf.subarray(pos));
        this.pendingBytes = total;
        return length;
      }

      const line =
        this.pendingBytes === 0 ? buf : Buffer.concat([...this.pending, buf.subarray(pos, newline)]);
      const start = this.pendingBytes === 0 ? pos : 0;
      const end = this.pendingBytes === 0 ? newline : line.length;
      const outcome = this.completeLine(line, start, end);
      if (outcome === HAND_OFF) return this.handOff(pos);
      this.clearPending();
      this.atLineStart = true;
      pos = newline + 1;
      if (outcome) out.push(outcome);
    }
    return pos;
  }

  /** The end of the stream ends the last line (a final newline is optional). */
  finish(out: ReadEvent[]): void {
    let event: ReadEvent | undefined;
    if (this.overflow) {
      event = this.endOverflow();
    } else if (this.pendingBytes > 0) {
      const line = Buffer.concat(this.pending, this.pendingBytes);
      const outcome = this.completeLine(line, 0, line.length);
      if (outcome === HAND_OFF) {
        this.handOff(0);
      } else {
        this.clearPending();
        event = outcome;
      }
    }
    if (event) out.push(event);
  }

  /**
   * The event for the line in `line[start, end)`: undefined when skipped, HAND_OFF when the object
   * scanner must read it instead.
   */
  private completeLine(line: Buffer, start: number, end: number): ReadEvent | undefined | typeof HAND_OFF {
    const offset = this.contentStart;
    let stop = end;
    if (stop > start && line[stop - 1] === CR) stop -= 1;
    if (stop - start > this.events.maxRecordBytes) {
      if (this.handOffUnparsable) return HAND_OFF;
      if (!this.events.wanted(offset)) return undefined;
      return this.events.tooLarge(offset, stop - start, copyRaw(line, start, stop));
    }
    while (isBlank(line[stop - 1])) stop -= 1; // stops at the first byte, which is not blank

    if (!this.handOffUnparsable) {
      return this.events.wanted(offset) ? this.events.fromBytes(line, start, stop, offset, true) : undefined;
    }
    // `auto`: a line that opens an object without closing it cannot be a record on its own
    // (it is typically the lone `{` of a pretty-printed object): skip the doomed parse.
    if (line[start] === OPEN_BRACE && line[stop - 1] !== CLOSE_BRACE) return HAND_OFF;
    // Read even before skipBefore: whether it parses decides how the following bytes are read.
    const scanned = this.events.scanned(line, start, stop, offset, true);
    if (scanned) return this.events.wanted(offset) ? scanned : undefined;
    const text = line.toString('utf8', start, stop);
    const parsed = parseRecordText(text);
    if (!parsed.ok && parsed.code === 'INVALID_JSON') return HAND_OFF;
    return this.events.wanted(offset)
      ? this.events.fromParsed(parsed, text, line, start, stop, offset, true)
      : undefined;
  }

  private endOverflow(): ReadEvent | undefined {
    const overflow = this.overflow!;
    this.overflow = undefined;
    this.atLineStart = true;
    const size = overflow.bytes - (overflow.lastByte === CR ? 1 : 0);
    if (!this.events.wanted(this.contentStart)) return undefined;
    return this.events.tooLarge(this.contentStart, size, overflow.capture.result(size));
  }

  private handOff(position: number): number {
    this.handoff = { pieces: this.pending, offset: this.contentStart };
    this.pending = [];
    this.pendingBytes = 0;
    this.atLineStart = true;
    return position;
  }

  private clearPending(): void {
    if (this.pendingBytes === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
