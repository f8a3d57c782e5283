/**
 * Compression formats sluice does not read, by the magic bytes their files start with. Read as
 * text, each would be cut into lines of binary that are all quarantined; named, the object fails
 * once with the fix (OBJECT_UNSUPPORTED_COMPRESSION). Firehose offers ZIP and Snappy besides GZIP.
 */
const UNSUPPORTED: readonly { readonly name: string; readonly magic: readonly number[] }[] = [
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'zip', magic: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'lz4', magic: [0x04, 0x22, 0x4d, 0x18] },
  // The framing format's stream identifier chunk: 0xff, length 6, "sNaPpY".
  { name: 'snappy', magic: [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59] },
];

/** Bytes of an object's head that name every format above. */
export const COMPRESSION_MAGIC_BYTES = Math.max(...UNSUPPORTED.map(({ magic }) => magic.length));

/** The unsupported compression an object's first bytes show, if any. */
export function unsupportedCompressionOf(head: Uint8Array): string | undefined {
  return UNSUPPORTED.find(
    ({ magic }) => magic.length <= head.length && magic.every((byte, i) => head[i] === byte),
  )?.name;
}
