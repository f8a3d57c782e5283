import { SluiceError } from '../errors';
import { gunzip } from './gzip';
import { startsWithGzipMagic } from './gzip-header';
import { readHead, replay, type StreamHead } from './stream-head';
import { FORMAT_MAGIC_BYTES, unsupportedFormatOf } from './unsupported-formats';

/**
 * An object's bytes as records are read from them, from its first byte: gunzipped when gzip (twice at
 * most: a gzip file uploaded gzip-compressed again, as an uploader adding `Content-Encoding: gzip`
 * does), refused when they show a format sluice cannot read (unsupported-formats.ts). The head
 * holds at least `headBytes` (unless the object is shorter); the reader and the CLI's line finder
 * share this, so their offsets agree.
 */
export async function decodedHead(
  source: AsyncIterable<Buffer>,
  maxDecompressedBytes: number,
  headBytes: number,
): Promise<StreamHead> {
  const wanted = Math.max(headBytes, FORMAT_MAGIC_BYTES);
  let { head, rest } = await readHead(source, wanted);
  await refuseUnsupported(head, rest, 'object');
  for (let layer = 0; layer < 2 && startsWithGzipMagic(head); layer += 1) {
    ({ head, rest } = await readHead(gunzip(replay(head, rest), maxDecompressedBytes), wanted));
    await refuseUnsupported(head, rest, "object's gzip content");
  }
  return { head, rest };
}

/** Throws, closing the stream, when its head shows a format sluice cannot read (unsupported-formats.ts). */
async function refuseUnsupported(head: Buffer, rest: AsyncIterator<Buffer>, what: string): Promise<void> {
  const unsupported = unsupportedFormatOf(head);
  if (unsupported === undefined) return;
  await rest.return?.();
  const shown =
    unsupported.code === 'OBJECT_UNSUPPORTED_COMPRESSION'
      ? `${unsupported.name}-compressed`
      : `${unsupported.name} text (its byte order mark says so)`;
  const message = `${what} is ${shown}, which sluice does not read: ${unsupported.fix}`;
  throw new SluiceError(unsupported.code, message, { format: unsupported.name });
}
