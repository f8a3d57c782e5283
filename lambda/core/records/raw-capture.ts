import { MAX_RAW_BYTES } from './read-event';

/**
 * Keeps the first MAX_RAW_BYTES of a bad span that arrives in pieces (a line or object too large to
 * buffer, or text that cannot be parsed): the quarantine gets enough to diagnose it while memory
 * stays bounded however long the span is. Bytes are copied because the chunks they come from are
 * released as reading moves on.
 */
export class RawCapture {
  private readonly parts: Buffer[] = [];
  private bytes = 0;

  add(source: Buffer, start: number, end: number): void {
    const take = Math.min(end - start, MAX_RAW_BYTES - this.bytes);
    if (take <= 0) return;
    this.parts.push(Buffer.from(source.subarray(start, start + take)));
    this.bytes += take;
  }

  addAll(pieces: readonly Buffer[]): void {
    for (const piece of pieces) this.add(piece, 0, piece.length);
  }

  /** The captured bytes, cut to the span's real length (the capture may hold blanks after its end). */
  result(spanLength: number): Uint8Array {
    return Buffer.concat(this.parts, this.bytes).subarray(0, Math.min(spanLength, this.bytes));
  }
}

/** A copy of the start of a bad span that is still in one buffer. */
export function copyRaw(source: Buffer, start: number, end: number): Uint8Array {
  return Buffer.from(source.subarray(start, Math.min(end, start + MAX_RAW_BYTES)));
}
