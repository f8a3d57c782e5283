/** One value of a stacked-JSON body, with the exact text it was parsed from. */
export interface StackedValue {
  readonly value: unknown;
  readonly text: string;
}

export interface StackedParse {
  readonly values: StackedValue[];
  /** Set when value number `index` could not be read; the values before it are in `values`. */
  readonly error?: { readonly index: number; readonly message: string };
}

/**
 * Splits a HEC body (JSON objects one after another, any whitespace between) into values, the way HEC
 * reads it: values before a malformed one are kept, the malformed one is reported by its position.
 *
 * Fast path: compact JSON never contains a raw newline inside a value, so one-object-per-line bodies
 * are parsed with a single JSON.parse of `[line,line,…]`. Anything else falls back to a scanner.
 */
export function parseStackedJson(text: string): StackedParse {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length > 0) {
    try {
      const parsed = JSON.parse(`[${lines.join(',')}]`) as unknown[];
      if (parsed.length === lines.length) {
        return { values: parsed.map((value, index) => ({ value, text: lines[index].trim() })) };
      }
    } catch {
      // fall through to the exact scanner
    }
  }
  return scan(text);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function scan(text: string): StackedParse {
  const values: StackedValue[] = [];
  let position = 0;
  const length = text.length;
  while (true) {
    while (position < length && isSpace(text.charCodeAt(position))) position += 1;
    if (position >= length) return { values };
    const start = position;
    const end = valueEnd(text, start);
    const slice = text.slice(start, end);
    try {
      values.push({ value: JSON.parse(slice) as unknown, text: slice });
    } catch (error) {
      return { values, error: { index: values.length, message: (error as Error).message } };
    }
    position = end;
  }
}

/** End (exclusive) of the value starting at `start`: a balanced object/array, or a run of non-space text. */
function valueEnd(text: string, start: number): number {
  const opener = text.charCodeAt(start);
  if (opener !== 0x7b && opener !== 0x5b) {
    let end = start;
    while (end < text.length && !isSpace(text.charCodeAt(end)) && text.charCodeAt(end) !== 0x7b) end += 1;
    return Math.max(end, start + 1);
  }
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index += 1;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) depth += 1;
    else if (code === 0x7d || code === 0x5d) {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return text.length;
}
