import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFileChunks } from '../../../cli/forwarding/file-chunks';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

describe('readFileChunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-file-chunks-'));
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, n) => n % 251));
  const path = join(dir, 'object.json');
  writeFileSync(path, bytes);

  it('yields the file from a byte offset in chunks of at most the given size', async () => {
    const chunks = await collect(readFileChunks(path, 0, 300));
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [300, 300, 300, 100],
    );
    assert.deepEqual(Buffer.concat(chunks), bytes);
    const resumed = await collect(readFileChunks(path, 650, 300));
    assert.deepEqual(Buffer.concat(resumed), bytes.subarray(650));
  });

  it('never reuses the memory of a chunk for the next (records keep views of their chunk)', async () => {
    const chunks = await collect(readFileChunks(path, 0, 300));
    chunks.forEach((chunk, index) =>
      assert.deepEqual(Buffer.from(chunk), bytes.subarray(index * 300, index * 300 + 300), `chunk ${index}`),
    );
  });

  it('yields nothing for an empty file or an offset at the end, and fails for a missing file', async () => {
    writeFileSync(join(dir, 'empty.json'), '');
    assert.deepEqual(await collect(readFileChunks(join(dir, 'empty.json'))), []);
    assert.deepEqual(await collect(readFileChunks(path, 1000)), []);
    await assert.rejects(collect(readFileChunks(join(dir, 'missing.json'))), { code: 'ENOENT' });
  });
});
