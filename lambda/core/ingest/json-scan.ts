/**
 * Finds where JSON values begin and end in a text without building them, so that an event can be
 * kept as the exact characters its producer sent. The scanner only draws boundaries; whether a
 * slice is valid JSON is decided by `JSON.parse` on that slice.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export function isJsonWhitespace(code: number): boolean {
  return code === SPACE || code === LF || code === CR || code === TAB;
}

/** Index of the first non-whitespace character at or after `from` (`text.length` if none). */
export function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** End (exclusive) of the string literal opening at `start`, or -1 when it is not terminated. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return i + 1;
  }
  return -1;
}

function isDelimiter(code: number): boolean {
  return (
    isJsonWhitespace(code) ||
    code === COMMA ||
    code === COLON ||
    code === OPEN_BRACE ||
    code === CLOSE_BRACE ||
    code === OPEN_BRACKET ||
    code === CLOSE_BRACKET ||
    code === QUOTE
  );
}

/**
 * End (exclusive) of the JSON value starting exactly at `start`, or -1 when the text ends before
 * the value does. Objects and arrays end at the bracket that brings the nesting depth back to zero
 * (strings are skipped, so brackets inside them do not count); literals end at the next delimiter.
 */
export function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringEnd(text, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        const end = stringEnd(text, i);
        if (end === -1) return -1;
        i = end - 1;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = start;
  while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
  // A lone delimiter (e.g. a stray `]`) is one bad character, never an empty value.
  return i === start ? start + 1 : i;
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A stream of top-level values separated by whitespace (NDJSON, stacked or pretty-printed JSON). */
export function* streamValues(text: string): Generator<Span | { readonly start: number; readonly end: -1 }> {
  let i = skipWhitespace(text, 0);
  while (i < text.length) {
    const end = valueEnd(text, i);
    yield { start: i, end };
    if (end === -1) return;
    i = skipWhitespace(text, end);
  }
}

export type ArrayScan =
  | { readonly ok: true; readonly elements: readonly Span[] }
  /** `elements` holds the elements before the one that could not be delimited. */
  | { readonly ok: false; readonly elements: readonly Span[] };

/**
 * The element spans of the JSON array that makes up the whole text (leading and trailing
 * whitespace allowed). Stops at the first element it cannot delimit.
 */
export function arrayElements(text: string): ArrayScan {
  const elements: Span[] = [];
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACKET) return { ok: false, elements };
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) {
    return skipWhitespace(text, i + 1) === text.length ? { ok: true, elements } : { ok: false, elements };
  }
  for (;;) {
    if (i >= text.length) return { ok: false, elements };
    const end = valueEnd(text, i);
    if (end === -1) return { ok: false, elements };
    elements.push({ start: i, end });
    i = skipWhitespace(text, end);
    const code = text.charCodeAt(i);
    if (code === COMMA) {
      i = skipWhitespace(text, i + 1);
      continue;
    }
    if (code === CLOSE_BRACKET && skipWhitespace(text, i + 1) === text.length) return { ok: true, elements };
    return { ok: false, elements };
  }
}

export interface MemberSpan {
  readonly key: string;
  readonly value: Span;
}

/**
 * The members of an object literal, in text order, with the span of each value. `objectText`
 * must already be known to be a valid JSON object (it went through `JSON.parse`).
 */
export function objectMembers(objectText: string): MemberSpan[] {
  const members: MemberSpan[] = [];
  let i = skipWhitespace(objectText, 1);
  if (objectText.charCodeAt(i) === CLOSE_BRACE) return members;
  for (;;) {
    const keyEnd = stringEnd(objectText, i);
    const key = JSON.parse(objectText.slice(i, keyEnd)) as string;
    i = skipWhitespace(objectText, keyEnd);
    i = skipWhitespace(objectText, i + 1); // the colon
    const end = valueEnd(objectText, i);
    members.push({ key, value: { start: i, end } });
    i = skipWhitespace(objectText, end);
    if (objectText.charCodeAt(i) !== COMMA) return members;
    i = skipWhitespace(objectText, i + 1);
  }
}

/**
 * The characters of member `key`'s value in a JSON object's text (the last of duplicate keys, as
 * `JSON.parse` keeps it), or undefined when the object has no such member.
 */
export function memberText(objectText: string, key: string): string | undefined {
  let found: Span | undefined;
  for (const member of objectMembers(objectText)) if (member.key === key) found = member.value;
  return found === undefined ? undefined : objectText.slice(found.start, found.end);
}

/**
 * The digits of an integer `JSON.parse` cannot hold exactly, given the value it parsed and the text
 * it parsed it from: beyond 2^53 (a 64-bit id), `9007199254740993` parses as `9007199254740992`, and
 * two values that differ would be one. Undefined for any other value (it is exact as parsed).
 */
export function unsafeIntegerText(value: unknown, text: string | undefined): string | undefined {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || text === undefined) return undefined;
  return /^-?\d+$/.test(text) ? text : undefined;
}

/**
 * The one-line form NDJSON needs. Valid JSON cannot hold a raw line break inside a string, so every
 * CR or LF in a validated value is insignificant whitespace between tokens and can go; nothing else
 * changes (field order, spacing, number spelling and escapes stay as the producer wrote them).
 */
export function toSingleLine(jsonText: string): string {
  return jsonText.includes('\n') || jsonText.includes('\r') ? jsonText.replace(/[\r\n]+/g, '') : jsonText;
}
