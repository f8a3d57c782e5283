import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGunzip, gzipSync } from 'node:zlib';
import { ZlibPump } from '../../../lambda/core/records/zlib-pump';

const OUTPUT_CHUNK = 64 * 1024;

describe('ZlibPump', () => {
  it('inflates no further than its reader reads: a bomb in one input chunk holds a few output chunks, not 64 MiB', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const stream = createGunzip({ chunkSize: OUTPUT_CHUNK });
    const pump = new ZlibPump(stream);
    let emitted = 0;
    stream.on('data', (chunk: Buffer) => (emitted += chunk.length));
    let read = 0;
    for await (const chunk of pump.process(bomb)) {
      read += chunk.length;
      if (read >= 4 * OUTPUT_CHUNK) break;
    }
    // Give zlib time to run on, as it would without backpressure: not a wait for a result, so a slow
    // machine can only let this pass without backpressure (50 ms inflate MiBs here), never fail with it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const inflated = emitted + stream.readableLength;
    assert.ok(inflated <= 16 * OUTPUT_CHUNK, `${inflated} bytes inflated for ${read} read`);
    stream.destroy();
  });

  it('gives out every byte of each input chunk before process ends, then the end', async () => {
    const text = Buffer.from('{"a":1}\n'.repeat(200_000));
    const compressed = gzipSync(text);
    const stream = createGunzip({ chunkSize: OUTPUT_CHUNK });
    const pump = new ZlibPump(stream);
    const out: Buffer[] = [];
    for (let at = 0; at < compressed.length; at += 5_000) {
      const slice = compressed.subarray(at, at + 5_000);
      for await (const chunk of pump.process(slice)) out.push(chunk);
      assert.equal(
        stream.bytesWritten,
        Math.min(at + 5_000, compressed.length),
        'the chunk was consumed whole',
      );
    }
    for await (const chunk of pump.process(undefined)) out.push(chunk);
    assert.deepEqual(Buffer.concat(out), text);
    assert.equal(pump.failure, undefined);
  });

  it('reports the stream’s error after what it produced', async () => {
    const stream = createGunzip();
    const pump = new ZlibPump(stream);
    for await (const chunk of pump.process(Buffer.from('not gzip at all'))) void chunk;
    assert.equal((pump.failure as { code?: string }).code, 'Z_DATA_ERROR');
  });
});
