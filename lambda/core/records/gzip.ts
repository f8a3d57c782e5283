import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SluiceError } from '../errors';

export function startsWithGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Decompresses a gzip stream as it arrives (every member of a multi-member file), refusing to
 * produce more than `maxBytes`: a small object can expand a thousandfold. Errors name the cause;
 * the caller adds the bucket and key. Errors of the source itself pass through unchanged.
 */
export async function* gunzip(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer, void> {
  const input = Readable.from(source);
  // Larger output chunks: fewer hand-offs to the record splitter.
  const inflater = createGunzip({ chunkSize: 64 * 1024 });
  let sourceFailed = false;
  let sourceError: unknown;
  input.on('error', (error) => {
    sourceFailed = true;
    sourceError = error;
    inflater.destroy(error);
  });
  input.pipe(inflater);
  let produced = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      produced += chunk.length;
      if (produced > maxBytes) {
        throw new SluiceError(
          'OBJECT_TOO_LARGE_DECOMPRESSED',
          `gzip object decompresses to more than ${maxBytes} bytes`,
          { maxDecompressedBytes: maxBytes },
        );
      }
      yield chunk;
    }
  } catch (error) {
    if (sourceFailed) throw sourceError;
    if (error instanceof SluiceError) throw error;
    throw zlibError(error);
  } finally {
    input.destroy();
    inflater.destroy();
  }
}

/** zlib reports a stream that stops early as Z_BUF_ERROR ("unexpected end of file"). */
function zlibError(error: unknown): SluiceError {
  const zlibCode = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (zlibCode === 'Z_BUF_ERROR') {
    return new SluiceError(
      'OBJECT_TRUNCATED_GZIP',
      `gzip stream is truncated (${message})`,
      { zlibCode },
      { cause: error },
    );
  }
  return new SluiceError(
    'OBJECT_CORRUPT_GZIP',
    `gzip stream is corrupt (${message})`,
    { zlibCode },
    { cause: error },
  );
}
