import { BYTE } from './bytes';
import type { EventFactory } from './event-factory';
import { parseRecordText } from './parse-record';
import { MAX_RAW_BYTES, type ReadEvent } from './read-event';
import { RawCapture } from './raw-capture';

const { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, CR, LF, OPEN_BRACE, OPEN_BRACKET, QUOTE, SPACE, TAB } = BYTE;

const BETWEEN = 0;
const IN_OBJECT = 1;
const IN_BAD_TEXT = 2;
type State = typeof BETWEEN | typeof IN_OBJECT | typeof IN_BAD_TEXT;

/** Why `scan` stopped. */
const BUFFER_END = 0;
const OBJECT_CLOSED = 1;
const OBJECT_CUT = 2;
const BAD_TEXT_ENDS = 3;
const LINE_START = 4;
type Stop =
  typeof BUFFER_END | typeof OBJECT_CLOSED | typeof OBJECT_CUT | typeof BAD_TEXT_ENDS | typeof LINE_START;

const REASON_CUT = "the object is not closed before the next line that starts with '{'";
const REASON_BROKEN_STRING = 'a string runs into a line break: the object is damaged or truncated';
const REASON_UNCLOSED = 'the object is not closed at the end of the stream';
const REASON_OUTSIDE = 'text outside any JSON object';

/**
 * Finds JSON objects written one after another with any whitespace inside and between them (the
 * vendor's pretty-printed records), byte by byte: nesting depth plus string/escape state tell where
 * each top-level object ends, then JSON.parse checks it. Brackets of both kinds share one depth
 * counter; a mismatch is left to JSON.parse.
 *
 * Resynchronisation rule: a line that starts with `{` in column 0 always starts a new top-level
 * object. Pretty-printers indent nested values, and a JSON string cannot contain a raw line break,
 * so that is the one boundary that stays trustworthy when an object is damaged. Hence:
 * - an object still open at such a line is reported (INVALID_JSON) and reading restarts at the line;
 * - an object whose string runs into a raw line break has lost track of its own structure: it is bad
 *   text up to the next such line (restarting at any `{` would deliver its nested objects as records);
 * - text between objects that is not an object is bad text up to the next such line
 *   (NOT_AN_OBJECT when it is a single JSON value, INVALID_JSON otherwise);
 * - a closed object larger than maxRecordBytes is RECORD_TOO_LARGE; its bytes are not buffered.
 * Every bad span is reported once with its offset, and reading only moves forward (no backtracking:
 * a byte is scanned once, plus once by the line reader in `auto`). The price: a hand-written object
 * with a nested `{` in column 0 is reported as invalid.
 *
 * With `returnsToLines` (the `auto` format), the scanner gives control back to the line reader at
 * the next line start between objects, so NDJSON lines after pretty-printed objects stay fast.
 */
export class ObjectScanner {
  private state: State = BETWEEN;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The previous byte was a line feed (or nothing): a `{` here is in column 0. */
  private afterNewline = true;
  private multiLine = false;
  /** Absolute offset of the current span's first byte, and of its last non-blank byte so far. */
  private start = 0;
  private lastNonBlank = 0;
  /** Where the current span's bytes begin in the buffer being scanned. */
  private spanStart = 0;
  /** Where `scan` stopped: the byte that closed, cut or ended a span, or the start of a line. */
  private stopAt = 0;
  /** The current object's bytes from earlier buffers, while it is within maxRecordBytes. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  /** The first 64 KiB of a span that is bad or too large: its bytes are no longer kept whole. */
  private capture: RawCapture | undefined;
  private damageReason: string | undefined;
  private handBack = false;

  constructor(
    private readonly events: EventFactory,
    private readonly returnsToLines: boolean,
  ) {}

  /** True once, after `consume` stopped at a line start for the line reader. */
  takeHandBack(): boolean {
    const handBack = this.handBack;
    this.handBack = false;
    return handBack;
  }

  /** Reads `buf` from `from` (`base` is the absolute offset of `buf[0]`); returns where it stopped. */
  consume(buf: Buffer, from: number, base: number, out: ReadEvent[]): number {
    // A span still open from an earlier buffer continues here.
    this.spanStart = from;
    let pos = from;
    for (;;) {
      const stop = this.scan(buf, pos, base);
      const at = this.stopAt;
      let event: ReadEvent | undefined;
      switch (stop) {
        case BUFFER_END:
          this.keepOpenSpan(buf);
          return buf.length;
        case LINE_START:
          this.handBack = true;
          return at;
        case OBJECT_CLOSED:
          event = this.endObject(buf, at + 1, base);
          pos = at + 1;
          break;
        case OBJECT_CUT:
          // A new object starts while this one is open: it was cut short.
          event = this.closeSpan(buf, at, 'INVALID_JSON', REASON_CUT);
          pos = at;
          break;
        case BAD_TEXT_ENDS:
          event = this.endBadText(buf, at);
          pos = at;
          break;
      }
      this.state = BETWEEN;
      if (event) out.push(event);
      if (stop !== OBJECT_CLOSED && this.returnsToLines) {
        // The line that starts with `{` goes back to the line reader.
        this.handBack = true;
        return pos;
      }
    }
  }

  /** The end of the stream ends whatever span is open. */
  finish(out: ReadEvent[]): void {
    let event: ReadEvent | undefined;
    if (this.state === IN_OBJECT) {
      event = this.closeSpan(undefined, 0, 'INVALID_JSON', REASON_UNCLOSED);
    } else if (this.state === IN_BAD_TEXT) {
      event = this.endBadText(undefined, 0);
    }
    this.state = BETWEEN;
    if (event) out.push(event);
  }

  /**
   * The per-byte loop, in a function of its own so V8 optimises it alone: runs until a span ends or
   * the buffer does, and says which in `stopAt`.
   */
  private scan(buf: Buffer, from: number, base: number): Stop {
    const length = buf.length;
    let state = this.state;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let afterNewline = this.afterNewline;
    let multiLine = this.multiLine;
    let lastNonBlank = this.lastNonBlank;
    let stop: Stop = BUFFER_END;
    let i = from;

    for (; i < length; i++) {
      const byte = buf[i];
      if (state === IN_OBJECT) {
        if (inString) {
          if (byte === LF) {
            // JSON strings cannot hold a raw line break: the object is damaged (usually truncated).
            this.becomeBadText(REASON_BROKEN_STRING);
            state = IN_BAD_TEXT;
            inString = false;
            escaped = false;
            afterNewline = true;
          } else {
            if (escaped) escaped = false;
            else if (byte === BACKSLASH) escaped = true;
            else if (byte === QUOTE) inString = false;
            lastNonBlank = base + i;
          }
          continue;
        }
        if (byte === LF) {
          afterNewline = true;
          multiLine = true;
          continue;
        }
        if (byte === OPEN_BRACE && afterNewline) {
          stop = OBJECT_CUT;
          break;
        }
        afterNewline = false;
        if (byte === SPACE || byte === TAB) continue;
        if (byte === CR) {
          multiLine = true;
          continue;
        }
        lastNonBlank = base + i;
        if (byte === QUOTE) inString = true;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth += 1;
        else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) {
          stop = OBJECT_CLOSED;
          break;
        }
        continue;
      }

      if (state === BETWEEN) {
        if (byte === LF) {
          afterNewline = true;
          if (this.returnsToLines) {
            i += 1;
            stop = LINE_START;
            break;
          }
          continue;
        }
        afterNewline = false;
        if (byte === SPACE || byte === TAB || byte === CR) continue;
        this.spanStart = i;
        this.start = base + i;
        lastNonBlank = base + i;
        multiLine = false;
        if (byte === OPEN_BRACE) {
          state = IN_OBJECT;
          depth = 1;
        } else {
          state = IN_BAD_TEXT;
          this.capture = new RawCapture();
          this.damageReason = undefined;
        }
        continue;
      }

      // IN_BAD_TEXT: skip to the next line that starts with `{`.
      if (byte === LF) {
        afterNewline = true;
        continue;
      }
      if (byte === OPEN_BRACE && afterNewline) {
        stop = BAD_TEXT_ENDS;
        break;
      }
      afterNewline = false;
      if (byte !== SPACE && byte !== TAB && byte !== CR) lastNonBlank = base + i;
    }

    this.state = state;
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.afterNewline = stop === BUFFER_END ? afterNewline : stop === LINE_START;
    this.multiLine = multiLine;
    this.lastNonBlank = lastNonBlank;
    this.stopAt = i;
    return stop;
  }

  /** The buffer ends inside a span: keep what the span needs from it. */
  private keepOpenSpan(buf: Buffer): void {
    if (this.state === BETWEEN) return;
    if (this.state === IN_OBJECT && !this.capture) {
      this.pieces.push(this.spanStart === 0 ? buf : buf.subarray(this.spanStart));
      this.piecesBytes += buf.length - this.spanStart;
      if (this.piecesBytes > this.events.maxRecordBytes) {
        // Too large whatever comes next: stop buffering, keep scanning to find where it ends.
        this.capture = new RawCapture();
        this.capture.addAll(this.pieces);
        this.dropPieces();
      }
    } else {
      this.capture!.add(buf, this.spanStart, buf.length);
    }
  }

  /** The object whose closing brace is `buf[end - 1]`. */
  private endObject(buf: Buffer, end: number, base: number): ReadEvent | undefined {
    const offset = this.start;
    const length = base + end - offset;
    const spanStart = this.spanStart;
    let event: ReadEvent | undefined;
    if (!this.events.wanted(offset)) {
      event = undefined;
    } else if (this.capture || length > this.events.maxRecordBytes) {
      event = this.events.tooLarge(offset, length, this.spanRaw(buf, end, length));
    } else if (this.pieces.length === 0) {
      event = this.events.fromBytes(buf, spanStart, end, offset, !this.multiLine);
    } else {
      const whole = Buffer.concat([...this.pieces, buf.subarray(spanStart, end)], length);
      event = this.events.fromBytes(whole, 0, length, offset, !this.multiLine);
    }
    this.capture = undefined;
    this.dropPieces();
    return event;
  }

  /** Reports the open span as bad, up to its last non-blank byte; `buf[spanStart, end)` is its unsaved part. */
  private closeSpan(
    buf: Buffer | undefined,
    end: number,
    code: 'INVALID_JSON' | 'NOT_AN_OBJECT',
    reason: string,
  ): ReadEvent | undefined {
    const offset = this.start;
    const length = this.lastNonBlank + 1 - offset;
    const event = this.events.wanted(offset)
      ? this.events.invalid(code, reason, offset, length, this.spanRaw(buf, end, length))
      : undefined;
    this.capture = undefined;
    this.dropPieces();
    return event;
  }

  private endBadText(buf: Buffer | undefined, end: number): ReadEvent | undefined {
    const damageReason = this.damageReason;
    this.damageReason = undefined;
    if (damageReason !== undefined) return this.closeSpan(buf, end, 'INVALID_JSON', damageReason);
    // Text outside objects: a lone JSON value (an array, a number...) is named as such when it is small.
    const length = this.lastNonBlank + 1 - this.start;
    if (this.events.wanted(this.start) && length <= Math.min(MAX_RAW_BYTES, this.events.maxRecordBytes)) {
      if (buf) this.capture!.add(buf, this.spanStart, end);
      const raw = this.capture!.result(length);
      const parsed = parseRecordText(
        Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'),
      );
      if (!parsed.ok && parsed.code === 'NOT_AN_OBJECT') {
        return this.closeSpan(undefined, 0, 'NOT_AN_OBJECT', parsed.reason);
      }
      return this.closeSpan(undefined, 0, 'INVALID_JSON', REASON_OUTSIDE);
    }
    return this.closeSpan(buf, end, 'INVALID_JSON', REASON_OUTSIDE);
  }

  /** An object that turns out damaged becomes bad text; from now on only its first 64 KiB are kept. */
  private becomeBadText(reason: string): void {
    if (!this.capture) {
      this.capture = new RawCapture();
      this.capture.addAll(this.pieces);
      this.dropPieces();
    }
    this.damageReason = reason;
  }

  /** The first bytes of the span: saved pieces or capture, then `buf[spanStart, end)`. */
  private spanRaw(buf: Buffer | undefined, end: number, length: number): Uint8Array {
    let capture = this.capture;
    if (!capture) {
      capture = new RawCapture();
      capture.addAll(this.pieces);
    }
    if (buf) capture.add(buf, this.spanStart, end);
    return capture.result(length);
  }

  private dropPieces(): void {
    if (this.piecesBytes === 0 && this.pieces.length === 0) return;
    this.pieces = [];
    this.piecesBytes = 0;
  }
}
