import { constants, createInflateRaw, crc32 } from 'node:zlib';
import { SluiceError } from '../errors';
import type { BytePull } from './byte-pull';
import { readGzipHeader, type GzipHeaderProblem } from './gzip-header';
import { inflateFrom } from './zlib-pump';

/** Larger output chunks: fewer hand-offs to the record splitter. */
export const OUTPUT_CHUNK_BYTES = 64 * 1024;
/** CRC-32 and ISIZE (RFC 1952 §2.3.1). */
const TRAILER_BYTES = 8;

/**
 * The decompressed bytes of every member, framed here (header, raw deflate data, trailer checked):
 * every byte of a complete member is produced before an error about what follows it. Zero bytes
 * after a member are padding (as gzip and zlib read them); anything else must be another member.
 * Slower than zlib's gunzip on objects of many small members (a zlib stream per member): gzip.ts
 * runs it only to read again what zlib's gunzip failed on.
 */
export async function* framedGunzip(pull: BytePull): AsyncGenerator<Buffer, void> {
  for (;;) {
    const memberOffset = pull.position;
    const problem = await readGzipHeader(pull);
    if (problem) throw headerError(problem, memberOffset);
    let crc = 0;
    let size = 0;
    for await (const chunk of inflateMember(pull, memberOffset)) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
    const trailer = await pull.take(TRAILER_BYTES);
    const where = `the member at compressed offset ${memberOffset}`;
    if (trailer.length < TRAILER_BYTES)
      throw truncated(`gzip stream is truncated (${where} has no trailer)`, memberOffset);
    if (trailer.readUInt32LE(0) !== crc >>> 0)
      throw corrupt(`gzip stream is corrupt (crc mismatch in ${where})`, memberOffset);
    if (trailer.readUInt32LE(4) !== size % 2 ** 32)
      throw corrupt(`gzip stream is corrupt (length mismatch in ${where})`, memberOffset);
    if (!(await anotherMemberFollows(pull))) return;
  }
}

/**
 * The decompressed bytes of one member's deflate data, leaving the pull at its trailer. zlib stops
 * taking input at the end of the deflate stream: what it left of the last chunk is given back.
 */
async function* inflateMember(pull: BytePull, memberOffset: number): AsyncGenerator<Buffer, void> {
  // Z_SYNC_FLUSH at the end: a truncated stream ends with all it held, not an error without it.
  const inflater = createInflateRaw({ chunkSize: OUTPUT_CHUNK_BYTES, finishFlush: constants.Z_SYNC_FLUSH });
  try {
    const ending = yield* inflateFrom(pull, inflater);
    if (typeof ending === 'object') throw zlibError(ending.failure, memberOffset);
  } finally {
    inflater.destroy();
  }
}

/** Skips zero padding; whether more bytes follow (which must then be a member). */
export async function anotherMemberFollows(pull: BytePull): Promise<boolean> {
  for (;;) {
    const chunk = await pull.next();
    if (chunk === undefined) return false;
    let at = 0;
    while (at < chunk.length && chunk[at] === 0) at += 1;
    if (at < chunk.length) {
      pull.unread(chunk.subarray(at));
      return true;
    }
  }
}

function headerError(problem: GzipHeaderProblem, offset: number): SluiceError {
  if (problem.truncated)
    return truncated(
      `gzip stream is truncated (in the member header at compressed offset ${offset})`,
      offset,
    );
  if (offset === 0) return corrupt(`gzip stream is corrupt (${problem.reason})`, offset);
  return corrupt(
    `gzip stream is corrupt (the bytes from compressed offset ${offset}, after a complete member, are not gzip: ${problem.reason}; every record before them was read)`,
    offset,
  );
}

function truncated(message: string, memberOffset?: number, zlibCode?: unknown, cause?: unknown): SluiceError {
  return new SluiceError('OBJECT_TRUNCATED_GZIP', message, { memberOffset, zlibCode }, { cause });
}

function corrupt(message: string, memberOffset?: number, zlibCode?: unknown, cause?: unknown): SluiceError {
  return new SluiceError('OBJECT_CORRUPT_GZIP', message, { memberOffset, zlibCode }, { cause });
}

/** zlib reports a stream that stops early as Z_BUF_ERROR ("unexpected end of file"). */
export function zlibError(error: unknown, memberOffset?: number): SluiceError {
  const zlibCode = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (zlibCode === 'Z_BUF_ERROR')
    return truncated(`gzip stream is truncated (${message})`, memberOffset, zlibCode, error);
  return corrupt(`gzip stream is corrupt (${message})`, memberOffset, zlibCode, error);
}
