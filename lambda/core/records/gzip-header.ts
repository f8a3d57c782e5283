import { crc32 } from 'node:zlib';
import type { BytePull } from './byte-pull';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED_FLAGS = 0xe0;
const DEFLATE = 8;
const FIXED_BYTES = 10;

/** Why a member's header cannot be read: the source ended inside it, or it is not a gzip header. */
export type GzipHeaderProblem =
  { readonly truncated: true } | { readonly truncated: false; readonly reason: string };

export function startsWithGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Reads one gzip member's header (RFC 1952 §2.3) and leaves the pull at its deflate data. Answers
 * the problem instead when there is one; the caller names the object.
 */
export async function readGzipHeader(pull: BytePull): Promise<GzipHeaderProblem | undefined> {
  let crc = 0;
  const seen = (bytes: Buffer): void => {
    crc = crc32(bytes, crc);
  };
  const take = async (count: number): Promise<Buffer | undefined> => {
    const bytes = await pull.take(count);
    seen(bytes);
    return bytes.length === count ? bytes : undefined;
  };
  const fixed = await pull.take(FIXED_BYTES);
  seen(fixed);
  // Bytes that cannot start a member are not one, however few.
  const magic = fixed.length >= 2 ? startsWithGzipMagic(fixed) : fixed[0] === 0x1f;
  if (!magic) return { truncated: false, reason: 'not a gzip member header' };
  if (fixed.length < FIXED_BYTES) return { truncated: true };
  if (fixed[2] !== DEFLATE) return { truncated: false, reason: `unknown compression method ${fixed[2]}` };
  const flags = fixed[3];
  if (flags & RESERVED_FLAGS) return { truncated: false, reason: 'unknown header flags set' };
  if (flags & FEXTRA) {
    const length = await take(2);
    if (length === undefined || (await take(length.readUInt16LE(0))) === undefined)
      return { truncated: true };
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue;
    if (!(await pull.skipThroughZero(seen))) return { truncated: true };
  }
  if (flags & FHCRC) {
    const expected = (crc & 0xffff) >>> 0;
    const stored = await take(2);
    if (stored === undefined) return { truncated: true };
    if (stored.readUInt16LE(0) !== expected) return { truncated: false, reason: 'header crc mismatch' };
  }
  return undefined;
}
