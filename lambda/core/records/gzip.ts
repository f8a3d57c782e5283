import { createGunzip } from 'node:zlib';
import { SluiceError } from '../errors';
import { BytePull } from './byte-pull';
import { OUTPUT_CHUNK_BYTES, anotherMemberFollows, framedGunzip, zlibError } from './gzip-members';
import { inflateFrom, type InflateEnding } from './zlib-pump';

/**
 * Compressed bytes kept to read an object again when zlib's gunzip fails on it (see gunzip): at
 * most this much memory per gzip object being read, released once the object (or its run of
 * members after zero padding) is larger.
 */
export const KEPT_COMPRESSED_BYTES = 8 * 1024 * 1024;

/**
 * Decompresses a gzip stream as it arrives (every member of a multi-member file), refusing to
 * produce more than `maxBytes`: a small object can expand a thousandfold. Errors name the cause;
 * the caller adds the bucket and key. Errors of the source itself pass through unchanged.
 *
 * zlib's gunzip, when it fails (bytes after the last member that are not gzip, a CRC mismatch, a
 * stream cut short), drops the output of the write that held the damage: up to 64 KiB of intact
 * records. So the compressed bytes of an object up to KEPT_COMPRESSED_BYTES are kept while it is
 * read, and on such a failure the object is read again from its start with the members framed
 * here (gzip-members.ts, slower on many small members, hence not the first choice): what zlib
 * produced is skipped, the rest produced, then the framed reader's own error, which names where
 * the damage is. A larger object fails as zlib fails. zlib's gunzip also stops, silently, at a
 * zero byte after a member, dropping any member after the padding: the padding is skipped here and
 * a new zlib gunzip reads on (each run of members keeps its own bytes to read again).
 */
export async function* gunzip(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer, void> {
  const pull = new BytePull(source);
  let produced = 0;
  const counted = (chunk: Buffer): Buffer => {
    produced += chunk.length;
    if (produced > maxBytes) {
      throw new SluiceError(
        'OBJECT_TOO_LARGE_DECOMPRESSED',
        `gzip object decompresses to more than ${maxBytes} bytes`,
        { maxDecompressedBytes: maxBytes },
      );
    }
    return chunk;
  };
  try {
    // Each turn, a run of members zlib's gunzip reads by itself: to the end, a failure, or padding.
    for (;;) {
      const kept = new KeptChunks(KEPT_COMPRESSED_BYTES);
      const producedBefore = produced;
      const ending = yield* zlibGunzip(pull, kept, counted);
      if (ending === 'end') return;
      if (ending === 'stopped') {
        // zlib's gunzip stops at a zero byte after a member and ignores the rest, members included.
        if (!(await anotherMemberFollows(pull))) return;
        continue;
      }
      if (kept.chunks === undefined) throw zlibError(ending.failure);
      pull.unreadAll(kept.chunks);
      let skip = produced - producedBefore;
      for await (const chunk of framedGunzip(pull)) {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        yield counted(chunk.subarray(skip));
        skip = 0;
      }
      return;
    }
  } finally {
    await pull.close();
  }
}

/** zlib's gunzip over the pull, keeping what it reads: it stops at a zero byte after a member. */
async function* zlibGunzip(
  pull: BytePull,
  kept: KeptChunks,
  counted: (chunk: Buffer) => Buffer,
): AsyncGenerator<Buffer, InflateEnding> {
  const inflater = createGunzip({ chunkSize: OUTPUT_CHUNK_BYTES });
  try {
    return yield* inflateFrom(pull, inflater, { input: (chunk) => kept.add(chunk), output: counted });
  } finally {
    inflater.destroy();
  }
}

/** The chunks read so far, while they total at most `limit` bytes; undefined past it. */
class KeptChunks {
  chunks: Buffer[] | undefined = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.chunks === undefined) return;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) this.chunks = undefined;
    else this.chunks.push(chunk);
  }
}
