/**
 * What an object's first bytes show it to be when sluice cannot read it: a compression other than
 * gzip, or text in UTF-16 or UTF-32. Read as UTF-8 text, each would be cut into lines of binary that
 * are all quarantined; named, the object fails once, before any record, with the fix.
 */
export interface UnsupportedFormat {
  readonly code: 'OBJECT_UNSUPPORTED_COMPRESSION' | 'OBJECT_UNSUPPORTED_ENCODING';
  /** The format, as the error names it. */
  readonly name: string;
  readonly fix: string;
}

const COMPRESSION_FIX =
  'have the producer write it gzip-compressed or uncompressed (Firehose: compression format GZIP)';
const ENCODING_FIX =
  'have the producer write UTF-8 (PowerShell: Out-File -Encoding utf8, or Set-Content; Windows PowerShell 5.1 writes UTF-16 by default)';

const compression = (name: string, magic: readonly number[]) =>
  ({ code: 'OBJECT_UNSUPPORTED_COMPRESSION', name, magic, fix: COMPRESSION_FIX }) as const;
const encoding = (name: string, magic: readonly number[]) =>
  ({ code: 'OBJECT_UNSUPPORTED_ENCODING', name, magic, fix: ENCODING_FIX }) as const;

const FORMATS: readonly (UnsupportedFormat & { readonly magic: readonly number[] })[] = [
  compression('zstd', [0x28, 0xb5, 0x2f, 0xfd]),
  compression('zip', [0x50, 0x4b, 0x03, 0x04]),
  compression('bzip2', [0x42, 0x5a, 0x68]),
  compression('xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
  compression('lz4', [0x04, 0x22, 0x4d, 0x18]),
  // The framing format's stream identifier chunk: 0xff, length 6, "sNaPpY".
  compression('snappy', [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]),
  // Byte order marks; UTF-32LE's starts with UTF-16LE's, so it is looked for first.
  encoding('UTF-32LE', [0xff, 0xfe, 0x00, 0x00]),
  encoding('UTF-32BE', [0x00, 0x00, 0xfe, 0xff]),
  encoding('UTF-16LE', [0xff, 0xfe]),
  encoding('UTF-16BE', [0xfe, 0xff]),
];

/** Bytes of an object's head that tell every format above. */
export const FORMAT_MAGIC_BYTES = Math.max(...FORMATS.map(({ magic }) => magic.length));

/** The unreadable format an object's first bytes show, if any. */
export function unsupportedFormatOf(head: Uint8Array): UnsupportedFormat | undefined {
  return FORMATS.find(
    ({ magic }) => magic.length <= head.length && magic.every((byte, i) => head[i] === byte),
  );
}
