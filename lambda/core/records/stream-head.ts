/** Looking at the first bytes of a stream (gzip magic, BOM) without losing them or copying the rest. */

export interface StreamHead {
  /** At least the requested bytes, unless the stream is shorter. */
  readonly head: Buffer;
  readonly rest: AsyncIterator<Buffer>;
}

export async function readHead(source: AsyncIterable<Buffer>, bytes: number): Promise<StreamHead> {
  const rest = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let total = 0;
  while (total < bytes) {
    const next = await rest.next();
    if (next.done) break;
    parts.push(next.value);
    total += next.value.length;
  }
  return { head: parts.length === 1 ? parts[0] : Buffer.concat(parts, total), rest };
}

/** The stream again, from `head` on; closing it early closes the source (e.g. the S3 response). */
export async function* replay(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer, void> {
  try {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}
