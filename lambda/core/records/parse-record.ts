/** Turning one record's JSON text into a value, or into the reason it is not a record. */

export type ParsedRecord =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly code: 'INVALID_JSON' | 'NOT_AN_OBJECT'; readonly reason: string };

export function parseRecordText(text: string): ParsedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'INVALID_JSON', reason: describeJsonError(error) };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return { ok: true, value: value as Record<string, unknown> };
  }
  return { ok: false, code: 'NOT_AN_OBJECT', reason: `a JSON ${jsonKind(value)}, not an object` };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * V8's messages quote the offending text ("Unexpected token 'x', "{"password":..." is not valid JSON"),
 * and reasons end up in logs, which must never carry record content: keep only the position.
 */
function describeJsonError(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  return position ? `not valid JSON (near character ${position[1]})` : 'not valid JSON';
}
