import { BYTE } from './bytes';
import type { EventFactory } from './event-factory';
import { RawCapture } from './raw-capture';
import type { ReadEvent } from './read-event';

const { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, CR, LF, OPEN_BRACE, OPEN_BRACKET, QUOTE, SPACE, TAB } = BYTE;
const COMMA = 0x2c;
const COLON = 0x3a;
/** `Records`, the key of the array that holds the records. */
const RECORDS_KEY = Buffer.from('Records');

/** Before the document's opening brace. */
const DOC_START = 0;
/** Inside the top-level object, between its tokens. */
const TOP = 1;
/** Inside a value of the top-level object other than the records (skipped). */
const SKIP_VALUE = 2;
/** Inside the records array, between elements. */
const ARRAY = 3;
/** Inside an element that is an object: a record. */
const ELEMENT = 4;
/** Inside an element that is not an object. */
const NOT_OBJECT = 5;
/** After the document: only blanks may follow. */
const AFTER_DOC = 6;
/** Text where none belongs (before or after the document): reported once, up to the end. */
const BAD_TEXT = 7;
type State =
  | typeof DOC_START
  | typeof TOP
  | typeof SKIP_VALUE
  | typeof ARRAY
  | typeof ELEMENT
  | typeof NOT_OBJECT
  | typeof AFTER_DOC
  | typeof BAD_TEXT;

const REASON_NO_RECORDS = 'the document has no top-level "Records" array';
const REASON_UNCLOSED_RECORD = 'the record is not closed at the end of the stream';
const REASON_UNCLOSED_DOC = 'the document ends before its "Records" array is closed';
const REASON_NOT_A_DOCUMENT = 'text where a JSON object with a "Records" array was expected';
const REASON_AFTER_DOC = 'text after the end of the document';

function isBlank(byte: number): boolean {
  return byte === SPACE || byte === LF || byte === CR || byte === TAB;
}

/**
 * Reads a JSON document of the form `{"Records": [ {...}, {...} ]}` (AWS CloudTrail log files) as a
 * stream: each element of the top-level `Records` array is a record, with the offset of its `{`, and
 * the document is never held whole; memory is one record (at most maxRecordBytes) plus the chunks it
 * sits in. Other top-level fields are skipped.
 *
 * Elements are found by nesting depth plus string/escape state, then JSON.parse checks each. An
 * element that is not an object is NOT_AN_OBJECT; one that does not parse is INVALID_JSON; one over
 * maxRecordBytes is RECORD_TOO_LARGE (its bytes are not buffered); reading goes on after each. Brackets
 * are the only structure: damage that unbalances them swallows the rest of the document into one
 * invalid span, reported with its first 64 KiB (there is no line structure to resynchronise on in a
 * minified document). A document without a `Records` array, a truncated one, and text around the
 * document are reported too, never silently dropped.
 */
export class RecordsArrayScanner {
  private state: State = DOC_START;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private multiLine = false;
  /** While a string of the top-level object is read: how many of its bytes match `Records` so far. */
  private keyLength = 0;
  private keyMatches = false;
  private lastStringIsRecords = false;
  /** A `"Records":` was read: the value that follows is the records array if it is one. */
  private valueIsRecords = false;
  private sawRecords = false;
  /** Absolute offset of the document's `{` and of the current span's first byte. */
  private documentStart = 0;
  private start = 0;
  private lastNonBlank = 0;
  /** Where the current span's bytes begin in the buffer being scanned. */
  private spanStart = 0;
  /** The current element's bytes from earlier buffers, while it is within maxRecordBytes and wanted. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  private keep = false;
  /** The first 64 KiB of a span that is bad or too large. */
  private capture: RawCapture | undefined;
  /** The first 64 KiB of the document until its records array is found, to report a document without one. */
  private head: RawCapture | undefined = new RawCapture();

  constructor(private readonly events: EventFactory) {}

  /** Reads `buf` from `from` (`base` is the absolute offset of `buf[0]`). */
  consume(buf: Buffer, from: number, base: number, out: ReadEvent[]): void {
    this.spanStart = from;
    if (this.head && (this.state === TOP || this.state === SKIP_VALUE)) this.head.add(buf, from, buf.length);
    const length = buf.length;
    for (let i = from; i < length; i++) {
      if (this.state === ELEMENT) {
        const closedAt = this.scanElement(buf, i);
        if (closedAt === -1) break;
        this.endElement(buf, closedAt + 1, base, out);
        this.state = ARRAY;
        i = closedAt;
        continue;
      }
      const byte = buf[i];
      if (this.inString) {
        if (this.state === NOT_OBJECT) this.lastNonBlank = base + i;
        this.readStringByte(byte);
        continue;
      }
      switch (this.state) {
        case ARRAY:
          if (isBlank(byte) || byte === COMMA) break;
          if (byte === CLOSE_BRACKET) {
            this.state = TOP;
            break;
          }
          this.start = base + i;
          this.spanStart = i;
          this.lastNonBlank = base + i;
          this.depth = 0;
          if (byte === OPEN_BRACE) {
            this.state = ELEMENT;
            this.depth = 1;
            this.multiLine = false;
            this.keep = this.events.wanted(this.start);
          } else {
            this.state = NOT_OBJECT;
            this.capture = new RawCapture();
            i -= 1; // read this byte again as the start of the value
          }
          break;
        case NOT_OBJECT:
          if (this.depth === 0 && (byte === COMMA || byte === CLOSE_BRACKET)) {
            this.endNotObject(buf, i, out);
            this.state = ARRAY;
            i -= 1; // the separator or the array's end is the array's to read
            break;
          }
          if (!isBlank(byte)) this.lastNonBlank = base + i;
          if (byte === QUOTE) this.inString = true;
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth += 1;
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) this.depth -= 1;
          break;
        case TOP:
          this.readTopByte(byte, base + i, out);
          break;
        case SKIP_VALUE:
          if (byte === QUOTE) this.inString = true;
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth += 1;
          else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --this.depth === 0) this.state = TOP;
          break;
        case DOC_START:
          if (isBlank(byte)) break;
          if (byte === OPEN_BRACE) {
            this.documentStart = base + i;
            this.state = TOP;
            this.head = new RawCapture();
            this.head.add(buf, i, length);
            break;
          }
          this.startBadText(i, base);
          break;
        case AFTER_DOC:
          if (!isBlank(byte)) this.startBadText(i, base);
          break;
        case BAD_TEXT:
          if (!isBlank(byte)) this.lastNonBlank = base + i;
          break;
      }
    }
    this.keepOpenSpan(buf);
  }

  /**
   * The per-byte loop of a record, in a function of its own so V8 optimises it alone: the index of the
   * byte that closes the element, or -1 when the buffer ends first.
   */
  private scanElement(buf: Buffer, from: number): number {
    const length = buf.length;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let multiLine = this.multiLine;
    let closedAt = -1;
    for (let i = from; i < length; i++) {
      if (inString) {
        // Strings are most of a CloudTrail record: jump to the next quote natively. A quote after an
        // odd run of backslashes is escaped. (A raw line break in a string is invalid JSON, which
        // JSON.parse reports, so nothing else in a string matters.)
        if (escaped) {
          escaped = false;
          continue;
        }
        const quote = buf.indexOf(QUOTE, i);
        if (quote === -1) {
          let run = 0;
          for (let k = length - 1; k >= i && buf[k] === BACKSLASH; k--) run++;
          escaped = run % 2 === 1;
          break;
        }
        let run = 0;
        for (let k = quote - 1; k >= i && buf[k] === BACKSLASH; k--) run++;
        if (run % 2 === 0) inString = false;
        i = quote;
        continue;
      }
      const byte = buf[i];
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth += 1;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (--depth === 0) {
          closedAt = i;
          break;
        }
      } else if (byte === LF || byte === CR) multiLine = true;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.multiLine = multiLine;
    return closedAt;
  }

  /** The end of the stream ends whatever is open. */
  finish(end: number, out: ReadEvent[]): void {
    let event: ReadEvent | undefined;
    if (this.state === ELEMENT) {
      event = this.invalidSpan('INVALID_JSON', REASON_UNCLOSED_RECORD, end - this.start);
    } else if (this.state === NOT_OBJECT || this.state === BAD_TEXT) {
      event = this.invalidSpan(
        this.state === NOT_OBJECT ? 'NOT_AN_OBJECT' : 'INVALID_JSON',
        this.state === NOT_OBJECT ? 'an element of "Records" that is not an object' : this.badTextReason(),
        this.lastNonBlank + 1 - this.start,
      );
    } else if (this.state === TOP || this.state === SKIP_VALUE || this.state === ARRAY) {
      if (this.sawRecords) {
        if (this.events.wanted(end)) {
          event = this.events.invalid('INVALID_JSON', REASON_UNCLOSED_DOC, end, 0, new Uint8Array(0));
        }
      } else {
        event = this.documentWithoutRecords(end - this.documentStart);
      }
    }
    if (event) out.push(event);
    this.state = AFTER_DOC;
  }

  private readStringByte(byte: number): void {
    const top = this.state === TOP;
    if (this.escaped) {
      this.escaped = false;
    } else if (byte === BACKSLASH) {
      this.escaped = true;
      if (top) this.keyMatches = false;
    } else if (byte === QUOTE) {
      this.inString = false;
      if (top) this.lastStringIsRecords = this.keyMatches && this.keyLength === RECORDS_KEY.length;
      return;
    } else if (top) {
      if (this.keyLength < RECORDS_KEY.length && byte === RECORDS_KEY[this.keyLength]) this.keyLength += 1;
      else this.keyMatches = false;
    }
  }

  private readTopByte(byte: number, at: number, out: ReadEvent[]): void {
    if (isBlank(byte) || byte === COMMA) return;
    if (byte === QUOTE) {
      this.inString = true;
      this.keyLength = 0;
      this.keyMatches = true;
      return;
    }
    if (byte === COLON) {
      this.valueIsRecords = this.lastStringIsRecords;
      this.lastStringIsRecords = false;
      return;
    }
    const recordsValue = this.valueIsRecords;
    this.valueIsRecords = false;
    if (byte === OPEN_BRACKET && recordsValue && !this.sawRecords) {
      this.sawRecords = true;
      this.head = undefined;
      this.state = ARRAY;
      return;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      this.state = SKIP_VALUE;
      this.depth = 1;
      return;
    }
    if (byte === CLOSE_BRACE) {
      this.state = AFTER_DOC;
      if (!this.sawRecords) {
        const event = this.documentWithoutRecords(at + 1 - this.documentStart);
        if (event) out.push(event);
      }
      this.head = undefined;
    }
    // Anything else is a scalar value (or damage JSON.parse would refuse): nothing to read in it.
  }

  /** The buffer ends inside a span: keep what the span needs from it. */
  private keepOpenSpan(buf: Buffer): void {
    if (this.state === ELEMENT && this.keep && !this.capture) {
      this.pieces.push(this.spanStart === 0 ? buf : buf.subarray(this.spanStart));
      this.piecesBytes += buf.length - this.spanStart;
      if (this.piecesBytes > this.events.maxRecordBytes) {
        // Too large whatever comes next: stop buffering, keep scanning to find where it ends.
        this.capture = new RawCapture();
        this.capture.addAll(this.pieces);
        this.dropPieces();
      }
    } else if (
      (this.state === ELEMENT && this.keep) ||
      this.state === NOT_OBJECT ||
      this.state === BAD_TEXT
    ) {
      this.capture!.add(buf, this.spanStart, buf.length);
    }
  }

  private endElement(buf: Buffer, end: number, base: number, out: ReadEvent[]): void {
    const offset = this.start;
    const length = base + end - offset;
    if (this.keep) {
      if (this.capture || length > this.events.maxRecordBytes) {
        if (!this.capture) {
          this.capture = new RawCapture();
          this.capture.addAll(this.pieces);
        }
        this.capture.add(buf, this.spanStart, end);
        out.push(this.events.tooLarge(offset, length, this.capture.result(length)));
      } else if (this.pieces.length === 0) {
        out.push(this.events.fromBytes(buf, this.spanStart, end, offset, !this.multiLine));
      } else {
        const whole = Buffer.concat([...this.pieces, buf.subarray(this.spanStart, end)], length);
        out.push(this.events.fromBytes(whole, 0, length, offset, !this.multiLine));
      }
    }
    this.capture = undefined;
    this.dropPieces();
  }

  private endNotObject(buf: Buffer, end: number, out: ReadEvent[]): void {
    this.capture!.add(buf, this.spanStart, end);
    const length = this.lastNonBlank + 1 - this.start;
    if (this.events.wanted(this.start)) {
      out.push(
        this.events.invalid(
          'NOT_AN_OBJECT',
          'an element of "Records" that is not an object',
          this.start,
          length,
          this.capture!.result(length),
        ),
      );
    }
    this.capture = undefined;
  }

  private startBadText(i: number, base: number): void {
    this.badTextAfterDocument = this.state === AFTER_DOC;
    this.state = BAD_TEXT;
    this.start = base + i;
    this.spanStart = i;
    this.lastNonBlank = base + i;
    this.capture = new RawCapture();
    this.head = undefined;
  }

  private badTextAfterDocument = false;

  private badTextReason(): string {
    return this.badTextAfterDocument ? REASON_AFTER_DOC : REASON_NOT_A_DOCUMENT;
  }

  private invalidSpan(
    code: 'INVALID_JSON' | 'NOT_AN_OBJECT',
    reason: string,
    length: number,
  ): ReadEvent | undefined {
    if (!this.events.wanted(this.start)) return undefined;
    let capture = this.capture;
    if (!capture) {
      capture = new RawCapture();
      capture.addAll(this.pieces);
    }
    const event = this.events.invalid(code, reason, this.start, length, capture.result(length));
    this.capture = undefined;
    this.dropPieces();
    return event;
  }

  private documentWithoutRecords(length: number): ReadEvent | undefined {
    if (!this.events.wanted(this.documentStart)) return undefined;
    const raw = this.head ? this.head.result(length) : new Uint8Array(0);
    return this.events.invalid('INVALID_JSON', REASON_NO_RECORDS, this.documentStart, length, raw);
  }

  private dropPieces(): void {
    if (this.piecesBytes === 0 && this.pieces.length === 0) return;
    this.pieces = [];
    this.piecesBytes = 0;
  }
}
