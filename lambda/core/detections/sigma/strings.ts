/**
 * Sigma string values: `*` (any run of characters), `?` (one character) and `\` escapes, matched
 * case-insensitively unless the rule says `cased`. Each value is compiled once into a test that
 * allocates nothing per record: plain string comparisons where case cannot matter, otherwise a
 * RegExp with the `i` flag (never a lower-cased copy of the record's text).
 */

export const ANY = Symbol('*');
export const ONE = Symbol('?');
export type Piece = string | typeof ANY | typeof ONE;

export type StringTest = (text: string) => boolean;

export interface CompiledString {
  readonly test: StringTest;
  /** Relative cost, used to evaluate cheap tests first. */
  readonly cost: number;
}

/**
 * Splits a Sigma value into text and wildcards. A backslash escapes `*`, `?` and itself; a backslash
 * before any other character is a plain backslash (`C:\Windows` needs no doubling), as the Sigma
 * specification's "Escape Character" section defines.
 */
export function parseSigmaString(raw: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') pieces.push(text);
    text = '';
  };
  for (let i = 0; i < raw.length; i += 1) {
    const char = raw[i];
    if (char === '\\') {
      const next = raw[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        text += next;
        i += 1;
      } else {
        text += '\\';
      }
    } else if (char === '*') {
      flush();
      if (pieces[pieces.length - 1] !== ANY) pieces.push(ANY);
    } else if (char === '?') {
      flush();
      pieces.push(ONE);
    } else {
      text += char;
    }
  }
  flush();
  return pieces;
}

/** `contains` / `startswith` / `endswith`: wildcards added around the value. */
export function surround(pieces: readonly Piece[], before: boolean, after: boolean): Piece[] {
  const result = [...pieces];
  if (before && result[0] !== ANY) result.unshift(ANY);
  if (after && result[result.length - 1] !== ANY) result.push(ANY);
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** True when lower- and upper-casing leave the text alone: digits, punctuation, IP addresses. */
function caseless(text: string): boolean {
  return text.toLowerCase() === text.toUpperCase();
}

export function compileStringPattern(pieces: readonly Piece[], cased: boolean): CompiledString {
  const texts = pieces.filter((piece): piece is string => typeof piece === 'string');
  const plain = cased || texts.every(caseless);
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  // The common shapes get plain string operations when case does not matter.
  if (pieces.length === 0) return { test: (text) => text === '', cost: 1 };
  if (plain && pieces.length === 1 && typeof first === 'string')
    return { test: (text) => text === first, cost: 1 };
  if (pieces.length === 1 && first === ANY) return { test: () => true, cost: 1 };
  if (plain && pieces.length === 2 && typeof first === 'string' && last === ANY) {
    return { test: (text) => text.startsWith(first), cost: 2 };
  }
  if (plain && pieces.length === 2 && first === ANY && typeof last === 'string') {
    return { test: (text) => text.endsWith(last), cost: 2 };
  }
  if (plain && pieces.length === 3 && first === ANY && last === ANY && typeof pieces[1] === 'string') {
    const needle = pieces[1];
    return { test: (text) => text.includes(needle), cost: 4 };
  }
  const anchoredStart = first !== ANY;
  const anchoredEnd = last !== ANY;
  const body = pieces
    .slice(anchoredStart ? 0 : 1, anchoredEnd ? pieces.length : -1)
    .map((piece) => (piece === ANY ? '[\\s\\S]*' : piece === ONE ? '[\\s\\S]' : escapeRegExp(piece)))
    .join('');
  // `?` is one character, not one UTF-16 unit: without `u` it would not match an emoji or a rare CJK ideograph.
  const unicode = pieces.includes(ONE) ? 'u' : '';
  const pattern = new RegExp(
    `${anchoredStart ? '^' : ''}${body}${anchoredEnd ? '$' : ''}`,
    (cased ? '' : 'i') + unicode,
  );
  const wildcards = pieces.filter((piece) => piece === ANY || piece === ONE).length;
  // Without the `u` flag, `i` folds case one UTF-16 unit at a time, so an exact match needs equal lengths.
  const exactLength = !pieces.some((piece) => piece === ANY) && !pieces.some((piece) => piece === ONE);
  if (exactLength) {
    const length = texts.reduce((sum, text) => sum + text.length, 0);
    return { test: (text) => text.length === length && pattern.test(text), cost: 2 };
  }
  return { test: (text) => pattern.test(text), cost: 3 + wildcards };
}
