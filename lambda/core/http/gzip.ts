import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * Compresses a request body on libuv's thread pool (the event loop keeps encoding the next batch).
 * Level 1 by default: log text already shrinks ~8x at the fastest level, and CPU, not bandwidth, is
 * what a forwarder Lambda pays for.
 */
export function gzipBody(body: Uint8Array, level: number = constants.Z_BEST_SPEED): Promise<Buffer> {
  return gzipAsync(body, { level });
}
