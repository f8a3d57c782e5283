import { constants, createInflateRaw, crc32, type InflateRaw } from 'node:zlib';
import { SluiceError } from '../errors';
import { BytePull } from './byte-pull';
import { readGzipHeader, type GzipHeaderProblem } from './gzip-header';

/** Larger output chunks: fewer hand-offs to the record splitter. */
const OUTPUT_CHUNK_BYTES = 64 * 1024;
/** CRC-32 and ISIZE (RFC 1952 §2.3.1). */
const TRAILER_BYTES = 8;

/**
 * Decompresses a gzip stream as it arrives (every member of a multi-member file), refusing to
 * produce more than `maxBytes`: a small object can expand a thousandfold. Errors name the cause;
 * the caller adds the bucket and key. Errors of the source itself pass through unchanged.
 *
 * The members are framed here (header, raw deflate data, trailer checked) rather than by zlib's
 * gunzip, which on bytes after a member that are not gzip fails the whole write that held them and
 * drops its output: up to 64 KiB of intact records at the end of the object never reached the
 * reader. Here every byte of every complete member is produced before the error. Zero bytes after
 * a member are padding (as gzip and zlib read them); anything else must be another member.
 */
export async function* gunzip(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer, void> {
  const pull = new BytePull(source);
  let produced = 0;
  try {
    for (let member = 1; ; member += 1) {
      const memberOffset = pull.position;
      const problem = await readGzipHeader(pull);
      if (problem) throw headerError(problem, member, memberOffset);
      let crc = 0;
      let size = 0;
      for await (const chunk of inflateMember(pull, member)) {
        produced += chunk.length;
        if (produced > maxBytes) {
          throw new SluiceError(
            'OBJECT_TOO_LARGE_DECOMPRESSED',
            `gzip object decompresses to more than ${maxBytes} bytes`,
            { maxDecompressedBytes: maxBytes },
          );
        }
        crc = crc32(chunk, crc);
        size += chunk.length;
        yield chunk;
      }
      const trailer = await pull.take(TRAILER_BYTES);
      if (trailer.length < TRAILER_BYTES)
        throw truncated(`gzip stream is truncated (member ${member} has no trailer)`, member);
      if (trailer.readUInt32LE(0) !== crc >>> 0)
        throw corrupt('gzip stream is corrupt (crc mismatch)', member);
      if (trailer.readUInt32LE(4) !== size % 2 ** 32)
        throw corrupt('gzip stream is corrupt (length mismatch)', member);
      if (!(await anotherMemberFollows(pull))) return;
    }
  } finally {
    await pull.close();
  }
}

/**
 * The decompressed bytes of one member's deflate data, leaving the pull at its trailer. zlib stops
 * taking input at the end of the deflate stream: what it left of the last chunk is given back.
 */
async function* inflateMember(pull: BytePull, member: number): AsyncGenerator<Buffer, void> {
  // Z_SYNC_FLUSH at the end: a truncated stream ends with all it held, not an error without it.
  const inflater = createInflateRaw({ chunkSize: OUTPUT_CHUNK_BYTES, finishFlush: constants.Z_SYNC_FLUSH });
  const output: Buffer[] = [];
  let failure: unknown;
  inflater.on('data', (chunk: Buffer) => output.push(chunk));
  inflater.on('error', (error) => (failure ??= error));
  let written = 0;
  try {
    for (;;) {
      const chunk = await pull.next();
      if (chunk === undefined) await settle(inflater, (done) => inflater.end(done));
      else await settle(inflater, (done) => inflater.write(chunk, done));
      for (let i = 0; i < output.length; i += 1) yield output[i];
      output.length = 0;
      if (failure !== undefined) throw zlibError(failure, member);
      if (chunk === undefined) return;
      written += chunk.length;
      // Every earlier chunk was taken whole, or the stream would have ended there.
      const left = written - inflater.bytesWritten;
      if (left > 0) {
        pull.unread(chunk.subarray(chunk.length - left));
        return;
      }
    }
  } finally {
    inflater.destroy();
  }
}

/** Runs a write or end and waits until zlib has processed it (or failed). */
function settle(inflater: InflateRaw, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      inflater.off('error', done);
      inflater.off('close', done);
      resolve();
    };
    inflater.once('error', done);
    inflater.once('close', done);
    start(done);
  });
}

/** Skips zero padding; whether more bytes follow (which must then be a member). */
async function anotherMemberFollows(pull: BytePull): Promise<boolean> {
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

function headerError(problem: GzipHeaderProblem, member: number, offset: number): SluiceError {
  if (problem.truncated)
    return truncated(`gzip stream is truncated (in the header of member ${member})`, member);
  if (member === 1) return corrupt(`gzip stream is corrupt (${problem.reason})`, member);
  return corrupt(
    `gzip stream is corrupt (the bytes from compressed offset ${offset} after member ${member - 1} are not gzip: ${problem.reason}; every record before them was read)`,
    member,
  );
}

function truncated(message: string, member: number, zlibCode?: unknown, cause?: unknown): SluiceError {
  return new SluiceError('OBJECT_TRUNCATED_GZIP', message, { member, zlibCode }, { cause });
}

function corrupt(message: string, member: number, zlibCode?: unknown, cause?: unknown): SluiceError {
  return new SluiceError('OBJECT_CORRUPT_GZIP', message, { member, zlibCode }, { cause });
}

/** zlib reports a stream that stops early as Z_BUF_ERROR ("unexpected end of file"). */
function zlibError(error: unknown, member: number): SluiceError {
  const zlibCode = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (zlibCode === 'Z_BUF_ERROR')
    return truncated(`gzip stream is truncated (${message})`, member, zlibCode, error);
  return corrupt(`gzip stream is corrupt (${message})`, member, zlibCode, error);
}
