import { arrayElements, memberText, toSingleLine, unsafeIntegerText } from '../ingest/json-scan';

/** An event of a response: its exact text (one line) and its parsed value. */
export interface RawRecord {
  readonly line: string;
  readonly value: Readonly<Record<string, unknown>>;
}

export type RecordsResult =
  | { readonly ok: true; readonly records: readonly RawRecord[]; readonly body: unknown }
  | { readonly ok: false; readonly reason: string };

/** `data.items` → ['data', 'items']; '' (or '.') is the body itself. */
export function pathSegments(path: string): string[] {
  return path === '' || path === '.' ? [] : path.split('.');
}

/** The value at a dotted path of a parsed body, or undefined. */
export function valueAt(body: unknown, path: string | readonly string[]): unknown {
  let node = body;
  for (const segment of typeof path === 'string' ? pathSegments(path) : path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/**
 * The characters of the value at a dotted path of a JSON text (as `valueAt` finds it in the text's
 * parse: the last of duplicate keys), or undefined when there is no object member there.
 */
export function textAt(text: string, path: string | readonly string[]): string | undefined {
  let slice: string | undefined = text.trim();
  for (const segment of typeof path === 'string' ? pathSegments(path) : path) {
    if (!slice.startsWith('{')) return undefined;
    slice = memberText(slice, segment);
    if (slice === undefined) return undefined;
  }
  return slice;
}

/** `valueAt`, except that an integer JSON.parse cannot hold exactly is given as its digits (see unsafeIntegerText). */
export function exactValueAt(body: unknown, text: string, path: string | readonly string[]): unknown {
  const value = valueAt(body, path);
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  return unsafeIntegerText(value, textAt(text, path)) ?? value;
}

/**
 * The events of a JSON response: the array at `path` (every element an object). Each event keeps
 * the characters the API sent (made one line), so nothing is re-serialized on the way to the bucket.
 */
export function recordsAt(text: string, path: string): RecordsResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the answer is not JSON' };
  }
  const segments = pathSegments(path);
  const array = valueAt(body, segments);
  const where = segments.length === 0 ? 'the answer' : `"${path}"`;
  if (!Array.isArray(array)) return { ok: false, reason: `${where} is not an array of events` };
  const index = array.findIndex((item) => item === null || typeof item !== 'object' || Array.isArray(item));
  if (index !== -1) return { ok: false, reason: `event ${index} of ${where} is not a JSON object` };

  // The same walk over the text: JSON.parse keeps the last of duplicate keys, and so does this.
  const slice = textAt(text, segments);
  if (slice === undefined) return { ok: false, reason: `${where} cannot be located in the text` };
  const scan = arrayElements(slice);
  if (!scan.ok || scan.elements.length !== array.length) {
    return { ok: false, reason: `${where} cannot be split into events` };
  }
  const records = scan.elements.map((span, i) => ({
    line: toSingleLine(slice.slice(span.start, span.end)),
    value: array[i] as Record<string, unknown>,
  }));
  return { ok: true, records, body };
}
