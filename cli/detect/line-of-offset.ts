import { decodedHead } from '../../lambda/core/records/object-bytes';
import { replay } from '../../lambda/core/records/stream-head';
import { readFileChunks } from '../forwarding/file-chunks';

/**
 * The line (1-based) of a byte offset of a local record file, decompressed when gzip, as the reader
 * counts offsets. Only for error messages: it reads the file again up to the offset.
 */
export async function lineOfOffset(path: string, offset: number): Promise<number> {
  const chunks = (async function* () {
    for await (const chunk of readFileChunks(path))
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  })();
  const { head, rest } = await decodedHead(chunks, Number.MAX_SAFE_INTEGER, 0);
  const body = replay(head, rest);
  let line = 1;
  let seen = 0;
  for await (const chunk of body) {
    const end = Math.min(chunk.length, offset - seen);
    for (let index = chunk.indexOf(0x0a); index !== -1 && index < end; index = chunk.indexOf(0x0a, index + 1))
      line += 1;
    seen += chunk.length;
    if (seen >= offset) break;
  }
  return line;
}
