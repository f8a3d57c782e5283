import { BYTE } from './bytes';
import type { SharedParses } from './shared-parses';

/**
 * Checks that bytes are one JSON object, and finds a few of its top-level fields, without building
 * it. `JSON.parse` of a record builds every value of it (a few KiB per record, most of the garbage
 * the forwarder makes), while the forwarder reads three fields. The answer is the one `JSON.parse`
 * of the UTF-8 decoded text gives: an invalid UTF-8 sequence decodes to U+FFFD, which is valid inside
 * a string and invalid anywhere else, and a byte of such a sequence can never be a quote, backslash
 * or any other ASCII byte, so the grammar can be checked on the bytes.
 */

/** The bytes are a JSON object; `spans` says where the wanted fields it has are. */
export const SCANNED_OBJECT = 0;
/** Not JSON, or JSON but not an object: the caller parses the text to say why, as before. */
export const NOT_SCANNED = 1;

const {
  QUOTE,
  BACKSLASH,
  COMMA,
  COLON,
  OPEN_BRACE,
  CLOSE_BRACE,
  OPEN_BRACKET,
  CLOSE_BRACKET,
  MINUS,
  PLUS,
  POINT,
  ZERO,
  NINE,
  SPACE,
  LF,
  CR,
  TAB,
} = BYTE;

/** 1 for the bytes a string holds as they are: ASCII, not a control character, quote or backslash. */
const PLAIN_IN_STRING = new Uint8Array(256);
for (let byte = 0x20; byte < 0x80; byte += 1) PLAIN_IN_STRING[byte] = 1;
PLAIN_IN_STRING[QUOTE] = 0;
PLAIN_IN_STRING[BACKSLASH] = 0;

/**
 * Whether the four bytes of `word` (little-endian) are all plain in a string (PLAIN_IN_STRING), with
 * the usual bit tricks: a byte of 0x80 or more sets its top bit; `(x - 0x01…) & ~x & 0x80…` is
 * non-zero exactly when a byte of x is zero (x ^ 0x22… for quotes, x ^ 0x5c… for backslashes), and
 * with 0x20… in place of 0x01… when a byte is below 0x20.
 */
function plainWord(word: number): boolean {
  const quotes = word ^ 0x22222222;
  const backslashes = word ^ 0x5c5c5c5c;
  return (
    ((word |
      ((word - 0x20202020) & ~word) |
      ((quotes - 0x01010101) & ~quotes) |
      ((backslashes - 0x01010101) & ~backslashes)) &
      0x80808080) ===
    0
  );
}

const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** What `scanSpans` found besides the verdict (reused from record to record: read it at once). */
export interface ScanState {
  /** Whether every byte was ASCII: then the bytes are valid UTF-8 without checking them. */
  ascii: boolean;
}

function isWhitespace(byte: number): boolean {
  return byte === SPACE || byte === LF || byte === CR || byte === TAB;
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

function isHex(byte: number): boolean {
  return isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/**
 * Finds top-level fields by name in records. The names are compared as their UTF-8 bytes, except for
 * keys written with escapes or non-ASCII bytes, which are decoded first (as `JSON.parse` would).
 */
export class FieldScanner {
  private readonly nameBytes: readonly Buffer[];
  /** Per byte length, the indexes of the names that long: most keys of a record are compared with none. */
  private readonly namesByLength: readonly (readonly number[])[];
  /** Containers open at each depth; grows for deeply nested records (JSON.parse has no depth limit). */
  private stack = new Uint8Array(64);
  readonly state: ScanState = { ascii: true };
  /** The buffer the last record was read from, and a view to read it four bytes at a time. */
  private viewed: Buffer | undefined;
  private view: DataView | undefined;
  /** Where the wanted fields found in the record being scanned are, in order (reused). */
  private readonly spanStarts: number[] = [];
  private readonly spanEnds: number[] = [];
  private readonly spanFields: number[] = [];

  constructor(readonly names: readonly string[]) {
    this.nameBytes = names.map((name) => Buffer.from(name, 'utf8'));
    const byLength: number[][] = [];
    this.nameBytes.forEach((name, index) => (byLength[name.length] ??= []).push(index));
    this.namesByLength = Array.from(byLength, (indexes) => indexes ?? []);
  }

  /**
   * Whether `bytes[start, end)` is exactly one JSON object (JSON whitespace around it allowed). When it
   * is, `spans[2i]` and `spans[2i + 1]` are where the value of the top-level field `names[i]` starts
   * and ends, relative to `start` (the last one, when a key repeats; -1 when absent); `spans` is left
   * as is otherwise. Nothing is decoded: a value costs more to decode than to find (a nested object
   * is parsed, a string copied), and most are never read; valueAt decodes one when asked.
   */
  scanSpans(bytes: Buffer, start: number, end: number, spans: number[]): number {
    let ascii = true;
    let at = start;
    while (at < end && isWhitespace(bytes[at])) at += 1;
    if (at >= end || bytes[at] !== OPEN_BRACE) return NOT_SCANNED;
    if (bytes !== this.viewed) {
      this.viewed = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    const view = this.view!;
    const { spanStarts, spanEnds, spanFields } = this;
    let found = 0;
    let stack = this.stack;
    let depth = 0;
    // The wanted field whose value is being read at depth 1 (-1: none), and where that value starts.
    let field = -1;
    let valueStart = 0;
    // The states of the walk: a value is expected, a key is expected, a value just ended.
    let expectKey = false;
    let afterValue = false;
    for (;;) {
      if (afterValue) {
        if (depth === 1 && field >= 0) {
          spanFields[found] = field;
          spanStarts[found] = valueStart;
          spanEnds[found] = at;
          found += 1;
          field = -1;
        }
        while (at < end && isWhitespace(bytes[at])) at += 1;
        if (depth === 0) break;
        const byte = bytes[at];
        const open = stack[depth - 1];
        if (byte === COMMA) {
          at += 1;
          while (at < end && isWhitespace(bytes[at])) at += 1;
          afterValue = false;
          expectKey = open === IN_OBJECT;
          continue;
        }
        if ((byte === CLOSE_BRACE && open === IN_OBJECT) || (byte === CLOSE_BRACKET && open === IN_ARRAY)) {
          at += 1;
          depth -= 1;
          continue;
        }
        return NOT_SCANNED;
      }
      if (at >= end) return NOT_SCANNED;
      if (expectKey) {
        if (bytes[at] !== QUOTE) return NOT_SCANNED;
        const keyStart = at;
        // Inlined string scan (see the value case): whether the key needs decoding to be compared.
        let plain = true;
        at += 1;
        for (;;) {
          while (at < end && PLAIN_IN_STRING[bytes[at]] === 1) at += 1;
          if (at >= end) return NOT_SCANNED;
          const byte = bytes[at];
          if (byte === QUOTE) break;
          if (byte === BACKSLASH) {
            plain = false;
            at = this.escapeEnd(bytes, at, end);
            if (at < 0) return NOT_SCANNED;
            continue;
          }
          if (byte < 0x20) return NOT_SCANNED;
          plain = ascii = false;
          at += 1;
        }
        at += 1;
        const keyEnd = at;
        while (at < end && isWhitespace(bytes[at])) at += 1;
        if (at >= end || bytes[at] !== COLON) return NOT_SCANNED;
        at += 1;
        while (at < end && isWhitespace(bytes[at])) at += 1;
        if (depth === 1) {
          field = this.fieldOf(bytes, keyStart, keyEnd, plain);
          valueStart = at;
        }
        expectKey = false;
        continue;
      }
      // A value.
      const byte = bytes[at];
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (depth === stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          this.stack = stack = grown;
        }
        stack[depth] = byte === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
        depth += 1;
        at += 1;
        while (at < end && isWhitespace(bytes[at])) at += 1;
        const close = byte === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (at < end && bytes[at] === close) {
          at += 1;
          depth -= 1;
          afterValue = true;
        } else {
          expectKey = byte === OPEN_BRACE;
        }
        continue;
      }
      if (byte === QUOTE) {
        at += 1;
        for (;;) {
          // Most of a record's bytes: four at a time while none needs a look (see plainWord), then one
          // table look-up each.
          while (at + 4 <= end && plainWord(view.getInt32(at, true))) at += 4;
          while (at < end && PLAIN_IN_STRING[bytes[at]] === 1) at += 1;
          if (at >= end) return NOT_SCANNED;
          const inner = bytes[at];
          if (inner === QUOTE) break;
          if (inner === BACKSLASH) {
            at = this.escapeEnd(bytes, at, end);
            if (at < 0) return NOT_SCANNED;
            continue;
          }
          if (inner < 0x20) return NOT_SCANNED;
          ascii = false;
          at += 1;
        }
        at += 1;
      } else if (byte === MINUS || isDigit(byte)) {
        at = numberEnd(bytes, at, end);
        if (at < 0) return NOT_SCANNED;
      } else if (byte === 0x74 /* t */) {
        if (!matches(bytes, at, end, TRUE)) return NOT_SCANNED;
        at += 4;
      } else if (byte === 0x66 /* f */) {
        if (!matches(bytes, at, end, FALSE)) return NOT_SCANNED;
        at += 5;
      } else if (byte === 0x6e /* n */) {
        if (!matches(bytes, at, end, NULL)) return NOT_SCANNED;
        at += 4;
      } else {
        return NOT_SCANNED;
      }
      afterValue = true;
    }
    if (at !== end) return NOT_SCANNED;
    this.state.ascii = ascii;
    spans.fill(-1);
    // A repeated key: the last value wins, as in JSON.parse.
    for (let index = 0; index < found; index += 1) {
      spans[2 * spanFields[index]] = spanStarts[index] - start;
      spans[2 * spanFields[index] + 1] = spanEnds[index] - start;
    }
    return SCANNED_OBJECT;
  }

  /** The index of the wanted name the key at `bytes[start, end)` (quotes included) is, or -1. */
  private fieldOf(bytes: Buffer, start: number, end: number, plain: boolean): number {
    const names = this.nameBytes;
    if (plain) {
      const length = end - start - 2;
      if (length >= this.namesByLength.length) return -1;
      const candidates = this.namesByLength[length];
      for (let candidate = 0; candidate < candidates.length; candidate += 1) {
        const index = candidates[candidate];
        const name = names[index];
        let same = true;
        for (let offset = 0; offset < length; offset += 1) {
          if (name[offset] !== bytes[start + 1 + offset]) {
            same = false;
            break;
          }
        }
        if (same) return index;
      }
      return -1;
    }
    const key = JSON.parse(bytes.toString('utf8', start, end)) as string;
    return this.names.indexOf(key);
  }

  /** Just past the escape at `bytes[at]` (a backslash), or -1 when it is not a JSON escape. */
  private escapeEnd(bytes: Uint8Array, at: number, end: number): number {
    if (at + 1 >= end) return -1;
    const kind = bytes[at + 1];
    if (kind === 0x75 /* u */) {
      if (at + 6 > end) return -1;
      for (let index = at + 2; index < at + 6; index += 1) if (!isHex(bytes[index])) return -1;
      return at + 6;
    }
    return SIMPLE_ESCAPES.has(kind) ? at + 2 : -1;
  }
}

/** `"`, `\`, `/`, `b`, `f`, `n`, `r`, `t`: the escapes besides `\u`. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

function matches(bytes: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (at + word.length > end) return false;
  for (let index = 0; index < word.length; index += 1) if (bytes[at + index] !== word[index]) return false;
  return true;
}

/** Just past the JSON number at `bytes[at]`, or -1 (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`). */
function numberEnd(bytes: Uint8Array, at: number, end: number): number {
  let position = at;
  if (bytes[position] === MINUS) position += 1;
  if (position >= end) return -1;
  if (bytes[position] === ZERO) {
    position += 1;
  } else if (isDigit(bytes[position])) {
    while (position < end && isDigit(bytes[position])) position += 1;
  } else {
    return -1;
  }
  if (position < end && bytes[position] === POINT) {
    position += 1;
    if (position >= end || !isDigit(bytes[position])) return -1;
    while (position < end && isDigit(bytes[position])) position += 1;
  }
  if (position < end && (bytes[position] === 0x65 || bytes[position] === 0x45) /* e E */) {
    position += 1;
    if (position < end && (bytes[position] === PLUS || bytes[position] === MINUS)) position += 1;
    if (position >= end || !isDigit(bytes[position])) return -1;
    while (position < end && isDigit(bytes[position])) position += 1;
  }
  return position;
}

/**
 * The value of field `index` of the record scanSpans found `spans` in, the record starting at
 * `bytes[start]`: what `JSON.parse` of the whole record gives it; undefined when absent.
 */
export function valueAt(
  bytes: Buffer,
  start: number,
  spans: readonly number[],
  index: number,
  shared?: SharedParses,
): unknown {
  const from = spans[2 * index];
  return from < 0 ? undefined : valueOf(bytes, start + from, start + spans[2 * index + 1], shared);
}

/**
 * The value `JSON.parse` gives for the valid JSON value at `bytes[start, end)`. A string without
 * escapes is its bytes decoded (exactly what decoding the whole text gives between the quotes: UTF-8
 * resynchronises on ASCII bytes); a number is what `Number` makes of the text (the same double).
 */
function valueOf(bytes: Buffer, start: number, end: number, shared?: SharedParses): unknown {
  const first = bytes[start];
  if (first === QUOTE) {
    let escaped = false;
    for (let index = start + 1; index < end - 1; index += 1) {
      if (bytes[index] === BACKSLASH) {
        escaped = true;
        break;
      }
    }
    if (!escaped) return bytes.toString('utf8', start + 1, end - 1);
  } else if (first === MINUS || isDigit(first)) {
    return Number(bytes.toString('latin1', start, end));
  } else if (shared && (first === OPEN_BRACE || first === OPEN_BRACKET)) {
    return shared.parse(bytes.toString('utf8', start, end));
  }
  return JSON.parse(bytes.toString('utf8', start, end));
}
