/**
 * Byte values the splitters and the JSON scanner look at; JSON's structure is ASCII, so UTF-8 never hides one inside a
 * multi-byte character. Hot loops copy them into module-level constants
 * (`const { LF } = BYTE`): a named import compiles to a getter call under CommonJS, once per byte.
 */
export const BYTE = {
  LF: 0x0a,
  CR: 0x0d,
  SPACE: 0x20,
  TAB: 0x09,
  QUOTE: 0x22,
  BACKSLASH: 0x5c,
  OPEN_BRACE: 0x7b,
  CLOSE_BRACE: 0x7d,
  OPEN_BRACKET: 0x5b,
  CLOSE_BRACKET: 0x5d,
  COMMA: 0x2c,
  COLON: 0x3a,
  MINUS: 0x2d,
  PLUS: 0x2b,
  POINT: 0x2e,
  ZERO: 0x30,
  NINE: 0x39,
} as const;

/** A Buffer view of any Uint8Array, without copying (the SDK hands out plain Uint8Arrays). */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
