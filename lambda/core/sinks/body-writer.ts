/** Up to this many bytes, writeBytes copies in a loop (see there). */
const SHORT_COPY = 16;

/**
 * Writes a request body straight into one buffer. Appending millions of small strings to one JS string
 * builds a rope that V8 must flatten before UTF-8 encoding it; writing each piece into a buffer sized
 * up front costs about half as much. The size is only a hint: the buffer grows if it was too small.
 */
export class BodyWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(expectedBytes, 64));
  }

  write(text: string): void {
    // A UTF-16 unit takes at most 3 UTF-8 bytes: only near the end is an exact count needed.
    if (this.offset + text.length * 3 > this.buffer.length) {
      const needed = this.offset + Buffer.byteLength(text);
      if (needed > this.buffer.length) this.grow(needed);
    }
    this.offset += this.buffer.write(text, this.offset);
  }

  /**
   * Appends text the caller knows to be ASCII (digits, JSON punctuation), one byte per character:
   * for a few characters per record, a loop costs less than encoding them as UTF-8.
   */
  writeAscii(text: string): void {
    const length = text.length;
    const needed = this.offset + length;
    if (needed > this.buffer.length) this.grow(needed);
    const { buffer } = this;
    let at = this.offset;
    for (let index = 0; index < length; index += 1) buffer[at++] = text.charCodeAt(index);
    this.offset = needed;
  }

  /** Appends bytes as they are: a copy, no encoding. */
  writeBytes(bytes: Uint8Array): void {
    const length = bytes.length;
    const needed = this.offset + length;
    if (needed > this.buffer.length) this.grow(needed);
    if (length <= SHORT_COPY) {
      // The envelope's few fixed bytes per record: a loop costs less than a call to `set`.
      const { buffer } = this;
      let at = this.offset;
      for (let index = 0; index < length; index += 1) buffer[at++] = bytes[index];
    } else {
      this.buffer.set(bytes, this.offset);
    }
    this.offset = needed;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }
}
