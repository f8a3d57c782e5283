/**
 * Reads a stream of chunks on demand, with bytes given back (`unread`) read again first: a framing
 * reader takes what it needs (a header, a trailer) and returns the rest. Errors of the source pass
 * through unchanged.
 */
export class BytePull {
  private readonly iterator: AsyncIterator<Buffer>;
  /** Chunks given back, the next one first. */
  private readonly held: Buffer[] = [];
  private ended = false;
  /** Bytes handed out and not given back: where in the source the next byte is. */
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next non-empty chunk, or undefined once the source has ended. */
  async next(): Promise<Buffer | undefined> {
    let chunk = this.held.pop();
    while (chunk === undefined && !this.ended) {
      const result = await this.iterator.next();
      if (result.done) this.ended = true;
      else if (result.value.length > 0) chunk = result.value;
    }
    if (chunk !== undefined) this.position += chunk.length;
    return chunk;
  }

  /** `bytes` are read again, before anything else. */
  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.held.push(bytes);
    this.position -= bytes.length;
  }

  /** `chunks`, in order, are read again before anything else. */
  unreadAll(chunks: readonly Buffer[]): void {
    for (let i = chunks.length - 1; i >= 0; i -= 1) this.unread(chunks[i]);
  }

  /** Exactly `count` bytes, or fewer when the source ends first. */
  async take(count: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < count) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      const wanted = count - have;
      if (chunk.length > wanted) {
        this.unread(chunk.subarray(wanted));
        parts.push(chunk.subarray(0, wanted));
        have = count;
      } else {
        parts.push(chunk);
        have += chunk.length;
      }
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
  }

  /**
   * Skips the bytes up to and including the next zero byte, handing each piece to `seen` (nothing is
   * kept: a name with no end must not fill memory). Whether a zero byte was found.
   */
  async skipThroughZero(seen: (bytes: Buffer) => void): Promise<boolean> {
    for (;;) {
      const chunk = await this.next();
      if (chunk === undefined) return false;
      const zero = chunk.indexOf(0);
      if (zero < 0) {
        seen(chunk);
        continue;
      }
      this.unread(chunk.subarray(zero + 1));
      seen(chunk.subarray(0, zero + 1));
      return true;
    }
  }

  /** Stops the source (a reader that stops early must not leave its stream open). */
  async close(): Promise<void> {
    this.ended = true;
    this.held.length = 0;
    await this.iterator.return?.();
  }
}
