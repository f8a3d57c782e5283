import { closeSync, openSync, readSync } from 'node:fs';

/**
 * 256 KiB reads: a file stream's 64 KiB chunks (a thread-pool trip and stream bookkeeping each) took
 * about 6 % more of `sluice forward`'s CPU (BENCHMARKS.md, CLI), and reads this size still bound what
 * an object in flight holds (records keep views of their chunk until their batch is sent).
 */
export const FILE_CHUNK_BYTES = 256 * 1024;

/**
 * A local file's bytes from `fromByte` on, in chunks of at most `chunkBytes` (each a fresh buffer).
 *
 * The reads are synchronous: each one is a copy from the page cache (tens of µs for a chunk) that
 * the object's records then take about a millisecond to parse, while an asynchronous read costs two
 * thread handoffs. For 100 files of 1 MB, 800 handoffs were 3-6 % of `sluice forward`'s CPU. A read
 * from slow storage holds the other objects' answers for its duration, not longer.
 */
export async function* readFileChunks(
  path: string,
  fromByte = 0,
  chunkBytes = FILE_CHUNK_BYTES,
): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (let position = fromByte; ;) {
      // A fresh buffer per read: records are views of the chunk they came from.
      const buffer = Buffer.allocUnsafe(chunkBytes);
      const bytesRead = readSync(fd, buffer, 0, chunkBytes, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}
