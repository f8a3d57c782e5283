import { gunzipSync } from 'node:zlib';
import type { Outcome } from '../core/ingest/answers';

export type DecodedBody =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly outcome: Outcome };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Buffer): DecodedBody {
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, outcome: { kind: 'invalid-encoding' } };
  }
}

const TOO_LARGE = new Error('the body inflates to more than allowed');

/**
 * Every member of a gzip body. zlib's gunzip stops at a zero byte after a member and ignores the
 * rest: a member after zero padding would be dropped while the request is answered as accepted.
 * Zero bytes are padding; anything else after them must be a member (or gunzip throws).
 */
function inflateMembers(compressed: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  let rest = compressed;
  for (;;) {
    const { buffer, engine } = gunzipSync(rest, {
      maxOutputLength: Math.max(1, maxBytes - total),
      info: true,
    }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    parts.push(buffer);
    total += buffer.length;
    if (total > maxBytes) throw TOO_LARGE;
    let at = engine.bytesWritten;
    while (at < rest.length && rest[at] === 0) at += 1;
    if (at === rest.length) return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
    rest = rest.subarray(at);
  }
}

/**
 * The request body as text: base64 undone when API Gateway applied it, gzip undone when the
 * producer applied it (`Content-Encoding: gzip`, as Fluent Bit's and Vector's `compress` options
 * send), refused above `maxBodyBytes` after decompression (which also stops gzip bombs early).
 * A gzip body passed as text that does not inflate byte for byte is refused
 * (`compressed-body-as-text`).
 */
export function decodeBody(
  body: string | undefined,
  isBase64Encoded: boolean,
  contentEncoding: string | undefined,
  maxBodyBytes: number,
): DecodedBody {
  const raw = body ?? '';
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  const tooLarge: DecodedBody = { ok: false, outcome: { kind: 'body-too-large', limit: maxBodyBytes } };
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    if (raw === '') return { ok: true, text: '' };
    // AWS does not document which requests an HTTP API passes as text rather than base64. A body
    // passed as text is tried byte for byte (one code unit per byte): gzip's CRC-32 and length
    // trailer prove the bytes intact when that inflates. Otherwise the text went through a
    // conversion nobody documents (a gzip stream is never valid UTF-8): refused, never guessed at.
    const compressed = Buffer.from(raw, isBase64Encoded ? 'base64' : 'latin1');
    let inflated: Buffer;
    try {
      inflated = inflateMembers(compressed, maxBodyBytes);
    } catch (error) {
      if (error === TOO_LARGE || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return tooLarge;
      if (!isBase64Encoded) return { ok: false, outcome: { kind: 'compressed-body-as-text', encoding } };
      return { ok: false, outcome: { kind: 'invalid-encoding' } };
    }
    return text(inflated);
  }
  if (encoding !== '' && encoding !== 'identity') {
    return { ok: false, outcome: { kind: 'unsupported-encoding', encoding } };
  }
  if (isBase64Encoded) {
    const bytes = Buffer.from(raw, 'base64');
    return bytes.length > maxBodyBytes ? tooLarge : text(bytes);
  }
  return Buffer.byteLength(raw) > maxBodyBytes ? tooLarge : { ok: true, text: raw };
}
