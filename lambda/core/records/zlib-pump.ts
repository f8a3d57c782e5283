import type { Gunzip, InflateRaw } from 'node:zlib';
import type { BytePull } from './byte-pull';

/** Output chunks held before the stream is paused: zlib then stops inflating until they are read. */
const MAX_HELD_OUTPUTS = 2;

/**
 * Feeds a zlib stream one input chunk at a time and hands out its output as it comes, with
 * backpressure: a 64 KiB chunk can inflate to 64 MiB, and zlib pauses while its output is not read
 * (a paused readable makes `push` answer false), so memory stays at a few output chunks whatever
 * the ratio. A caller learns where an input chunk was consumed to (`bytesWritten`) once `process`
 * has given out all of that chunk's output.
 */
export class ZlibPump {
  private readonly held: Buffer[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private closed = false;
  /** The stream's first error: what it produced before it has been given out. */
  failure: unknown;

  constructor(private readonly stream: InflateRaw | Gunzip) {
    stream.on('data', (chunk: Buffer) => {
      this.held.push(chunk);
      if (this.held.length >= MAX_HELD_OUTPUTS) stream.pause();
      this.signal();
    });
    stream.on('error', (error) => {
      this.failure ??= error;
      this.signal();
    });
    stream.on('end', () => {
      this.ended = true;
      this.signal();
    });
    stream.on('close', () => {
      this.closed = true;
      this.signal();
    });
  }

  /**
   * Writes `chunk` (undefined: ends the input) and yields its output until zlib has processed all
   * of it (or the stream ended or failed: see `failure`).
   */
  async *process(chunk: Buffer | undefined): AsyncGenerator<Buffer, void> {
    let written = false;
    if (chunk === undefined) this.stream.end();
    else
      this.stream.write(chunk, () => {
        written = true;
        this.signal();
      });
    for (;;) {
      while (this.held.length > 0) yield this.held.shift()!;
      // A failed stream is destroyed: nothing more comes.
      if (this.failure !== undefined || this.closed || this.ended) return;
      if (this.stream.isPaused()) this.stream.resume();
      // Output zlib pushed while paused waits in the readable's buffer until the resumed flow emits it.
      if (chunk !== undefined && written && this.stream.readableLength === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * How feeding a zlib stream ended: `end`, the input did; `stopped`, zlib took no more of it (the end
 * of a raw deflate stream; gunzip at a zero byte after a member), the rest given back to the pull;
 * or zlib failed (answered, not thrown: the callers differ in what a failure means).
 */
export type InflateEnding = 'end' | 'stopped' | { readonly failure: unknown };

/**
 * Feeds the pull's chunks to `stream` and yields its output (through `output`), until the input
 * ends, zlib stops taking it, or zlib fails. `input` sees each chunk as it is written.
 */
export async function* inflateFrom(
  pull: BytePull,
  stream: InflateRaw | Gunzip,
  hooks: { readonly input?: (chunk: Buffer) => void; readonly output?: (chunk: Buffer) => Buffer } = {},
): AsyncGenerator<Buffer, InflateEnding> {
  const pump = new ZlibPump(stream);
  let written = 0;
  for (;;) {
    const chunk = await pull.next();
    if (chunk !== undefined) hooks.input?.(chunk);
    for await (const out of pump.process(chunk)) yield hooks.output ? hooks.output(out) : out;
    if (pump.failure !== undefined) return { failure: pump.failure };
    if (chunk === undefined) return 'end';
    written += chunk.length;
    // Every earlier chunk was taken whole, or the stream would have stopped there.
    const left = written - stream.bytesWritten;
    if (left > 0) {
      pull.unread(chunk.subarray(chunk.length - left));
      return 'stopped';
    }
  }
}
