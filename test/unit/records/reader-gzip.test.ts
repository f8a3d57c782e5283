import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32, gzipSync } from 'node:zlib';
import { seededRandom } from '../../../bench/data/random';
import { SluiceError } from '../../../lambda/core/errors';
import { KEPT_COMPRESSED_BYTES, gunzip } from '../../../lambda/core/records/gzip';
import { readRecords } from '../../../lambda/core/records/reader';
import type { ReadEvent } from '../../../lambda/core/records/read-event';
import {
  DEFAULT_OPTIONS,
  bytes,
  cut,
  everyByte,
  exposeGc,
  prettyFixture,
  readAll,
  records,
  retainedBuffers,
  streamOf,
} from './read-helpers';

const ndjsonText = '{"a":1}\n{"b":"東京"}\nnot json\n{"c":3}\n';

/** Reads until the reader throws; returns what came before and the error. */
async function readUntilError(
  chunks: Uint8Array[],
  maxDecompressedBytes = DEFAULT_OPTIONS.maxDecompressedBytes,
) {
  const events: ReadEvent[] = [];
  try {
    for await (const event of readRecords(streamOf(chunks), { ...DEFAULT_OPTIONS, maxDecompressedBytes })) {
      events.push(event);
    }
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

function sluiceCode(error: unknown): string | undefined {
  return error instanceof SluiceError ? error.code : undefined;
}

describe('gzip objects', () => {
  it('are recognised by their magic bytes and give the events of the decompressed bytes', async () => {
    const plain = bytes(ndjsonText);
    assert.deepEqual(await readAll(gzipSync(plain)), await readAll(plain));
  });

  it('are recognised when the magic bytes arrive in separate chunks', async () => {
    const compressed = gzipSync(prettyFixture());
    assert.deepEqual(await readAll(everyByte(compressed)), await readAll(prettyFixture()));
  });

  it('may hold several gzip members, read one after another', async () => {
    const first = bytes('{"member":1}\n{"member":1.5,');
    const second = bytes('"split":"across members"}\n{"member":2}\n');
    const events = await readAll(Buffer.concat([gzipSync(first), gzipSync(second)]));
    assert.deepEqual(
      records(events).map((e) => [e.offset, e.value.member]),
      [
        [0, 1],
        [13, 1.5],
        [first.length + second.indexOf('{"member":2}'), 2],
      ],
    );
  });

  it('skip a BOM at the start of the decompressed bytes', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}\n')]);
    const events = await readAll(gzipSync(withBom));
    assert.deepEqual(
      events.map((e) => [e.kind, e.offset]),
      [['record', 3]],
    );
  });

  it('that are truncated fail with OBJECT_TRUNCATED_GZIP after the records that could be read', async () => {
    const compressed = gzipSync(bytes('{"a":1}\n'.repeat(20_000)));
    const { events, error } = await readUntilError(
      cut(compressed.subarray(0, compressed.length - 100), [1000]),
    );
    assert.equal(sluiceCode(error), 'OBJECT_TRUNCATED_GZIP');
    assert.match((error as Error).message, /truncated/);
    assert.ok(events.length > 0 && events.length < 20_000, `${events.length} records before the error`);
    assert.ok(events.every((e) => e.kind === 'record'));
  });

  it('that are corrupt fail with OBJECT_CORRUPT_GZIP', async () => {
    const compressed = Buffer.from(gzipSync(bytes(ndjsonText)));
    compressed[compressed.length - 6] ^= 0xff; // the CRC no longer matches
    const { error } = await readUntilError([compressed]);
    assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
  });

  it('with trailing bytes that are not gzip fail with OBJECT_CORRUPT_GZIP', async () => {
    const { error } = await readUntilError([
      Buffer.concat([gzipSync(bytes(ndjsonText)), bytes('{"x":1}\n')]),
    ]);
    assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
  });

  describe('give every record of the complete members before failing on what follows them', () => {
    // Far more than zlib's 64 KiB output chunk, in one compressed write: zlib's own gunzip dropped
    // the output of the write that held the damage.
    const lines = Array.from({ length: 5_000 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(50)}"}\n`).join('');
    const member = gzipSync(bytes(lines));

    it('bytes after the last member that are not gzip: OBJECT_CORRUPT_GZIP naming where they start', async () => {
      const { events, error } = await readUntilError([Buffer.concat([member, bytes('garbage!')])]);
      assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
      assert.match(
        (error as Error).message,
        new RegExp(`compressed offset ${member.length}, after a complete member, are not gzip`),
      );
      assert.equal(records(events).length, 5_000);
    });

    it('a missing trailer: OBJECT_TRUNCATED_GZIP', async () => {
      const { events, error } = await readUntilError(everyByte(member.subarray(0, member.length - 4)));
      assert.equal(sluiceCode(error), 'OBJECT_TRUNCATED_GZIP');
      assert.equal(records(events).length, 5_000);
    });

    for (const [field, at] of [
      ['crc', 0],
      ['length', 4],
    ] as const) {
      it(`a trailer whose ${field} does not match: OBJECT_CORRUPT_GZIP`, async () => {
        const damaged = Buffer.from(member);
        damaged[damaged.length - 8 + at] ^= 0x01;
        const { events, error } = await readUntilError([damaged]);
        assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
        assert.match((error as Error).message, new RegExp(`${field} mismatch`));
        assert.equal(records(events).length, 5_000);
      });
    }
  });

  it('of several members followed by bytes that are not gzip give every record of every member, in any chunking', async () => {
    const texts = [0, 1, 2].map((m) =>
      Array.from({ length: 2_000 }, (_, i) => `{"m":${m},"i":${i},"pad":"${'y'.repeat(40)}"}\n`).join(''),
    );
    const members = texts.map((text) => gzipSync(bytes(text)));
    const object = Buffer.concat([...members, bytes('\x01\x02 not gzip')]);
    const positions = Array.from({ length: 40 }, (_, i) => Math.floor((object.length * i) / 40) + (i % 7));
    const { events, error } = await readUntilError(cut(object, positions));
    assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
    assert.match((error as Error).message, /, after a complete member, are not gzip/);
    assert.deepEqual(
      records(events).map((e) => `${e.value.m}:${e.value.i}`),
      [0, 1, 2].flatMap((m) => Array.from({ length: 2_000 }, (_, i) => `${m}:${i}`)),
    );
  });

  it(`larger than ${KEPT_COMPRESSED_BYTES} compressed bytes fail as zlib's gunzip fails (the bytes are not kept to read again)`, async () => {
    // Random text compresses little: a gzip just over the bytes kept.
    const random = seededRandom(11);
    const text = Array.from({ length: 160_000 }, () => JSON.stringify({ r: random.hex(96) })).join('\n');
    const member = gzipSync(bytes(`${text}\n`), { level: 1 });
    assert.ok(member.length > KEPT_COMPRESSED_BYTES, `${member.length} compressed bytes`);
    const { events, error } = await readUntilError(
      cut(Buffer.concat([member, bytes('garbage!')]), [1 << 16]),
    );
    assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
    assert.match((error as Error).message, /incorrect header check/);
    assert.ok(records(events).length < 160_000);
  });

  it('compressed twice (a gzip file uploaded gzip-compressed again) give the records', async () => {
    const plain = bytes(ndjsonText);
    assert.deepEqual(await readAll(cut(gzipSync(gzipSync(plain)), [1, 20])), await readAll(plain));
  });

  it('may end in zero padding, as gzip and zlib allow', async () => {
    const padded = Buffer.concat([gzipSync(bytes(ndjsonText)), Buffer.alloc(700)]);
    assert.deepEqual(await readAll(cut(padded, [10, 300])), await readAll(bytes(ndjsonText)));
  });

  it('read the members after zero padding too (zlib’s gunzip stops there and drops them)', async () => {
    const first = gzipSync(bytes('{"member":1}\n'));
    const object = Buffer.concat([first, Buffer.alloc(3), gzipSync(bytes('{"member":2}\n'))]);
    for (const chunks of [
      [object],
      cut(object, [first.length]),
      cut(object, [first.length + 1]),
      everyByte(object),
    ])
      assert.deepEqual(
        records(await readAll(chunks)).map((e) => e.value.member),
        [1, 2],
      );
  });

  it('after zero padding, a member header whose name never ends holds none of it in memory: OBJECT_TRUNCATED_GZIP', async () => {
    const gc = exposeGc();
    const before = await retainedBuffers(gc);
    let peak = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      // Past the padding the framed reader reads headers; FNAME set, then 128 MiB without a zero byte.
      yield Buffer.concat([
        gzipSync(bytes('{"a":1}\n')),
        Buffer.alloc(1),
        Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]),
      ]);
      for (let i = 0; i < 128; i += 1) {
        if (i % 32 === 31) peak = Math.max(peak, (await retainedBuffers(gc)) - before);
        yield Buffer.alloc(1 << 20, 0x61);
      }
    }
    let error: unknown;
    try {
      for await (const event of readRecords(source(), DEFAULT_OPTIONS)) void event;
    } catch (caught) {
      error = caught;
    }
    assert.equal(sluiceCode(error), 'OBJECT_TRUNCATED_GZIP');
    assert.ok(peak < 16 * 2 ** 20, `${Math.round(peak / 2 ** 20)} MiB held while reading the header`);
  });

  it('fail on bytes after zero padding that are not gzip', async () => {
    const first = gzipSync(bytes(ndjsonText));
    const { events, error } = await readUntilError([Buffer.concat([first, Buffer.alloc(2), bytes('junk')])]);
    assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
    assert.match(
      (error as Error).message,
      new RegExp(`compressed offset ${first.length + 2}, after a complete member`),
    );
    assert.equal(records(events).length, 3);
  });

  it('read the optional header fields (extra, name, comment, header crc) in any chunking', async () => {
    const plain = bytes(ndjsonText);
    const deflated = gzipSync(plain);
    const extra = Buffer.from([4, 0, 0x41, 0x42, 2, 0]);
    const fields = Buffer.concat([extra, bytes('audit.json\0'), bytes('from the vendor\0')]);
    const fixed = Buffer.from(deflated.subarray(0, 10));
    fixed[3] = 0x04 | 0x08 | 0x10 | 0x02;
    const headerCrc = Buffer.alloc(2);
    headerCrc.writeUInt16LE(crc32(Buffer.concat([fixed, fields])) & 0xffff);
    const full = Buffer.concat([fixed, fields, headerCrc, deflated.subarray(10)]);
    assert.deepEqual(await readAll(everyByte(full)), await readAll(plain));

    full[10 + fields.length] ^= 0xff;
    const { error } = await readUntilError([full]);
    assert.equal(sluiceCode(error), 'OBJECT_CORRUPT_GZIP');
    assert.match((error as Error).message, /header crc mismatch/);
  });

  it('that decompress beyond maxDecompressedBytes fail with OBJECT_TOO_LARGE_DECOMPRESSED (gzip bomb)', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of blanks in ~64 KiB
    assert.ok(bomb.length < 100 * 1024);
    const { events, error } = await readUntilError([bomb], 1024 * 1024);
    assert.equal(sluiceCode(error), 'OBJECT_TOO_LARGE_DECOMPRESSED');
    assert.deepEqual(events, []);
  });

  it('of exactly maxDecompressedBytes are read', async () => {
    const plain = bytes('{"a":1}\n{"b":2}\n');
    const events = await readAll(gzipSync(plain), { maxDecompressedBytes: plain.length });
    assert.equal(records(events).length, 2);
  });

  it('do not limit plain objects by maxDecompressedBytes', async () => {
    const plain = bytes('{"a":1}\n'.repeat(100));
    assert.equal((await readAll(plain, { maxDecompressedBytes: 10 })).length, 100);
  });

  it('pass an error of the source through unchanged', async () => {
    const failure = new Error('connection reset');
    async function* failing(): AsyncGenerator<Uint8Array> {
      const compressed = gzipSync(bytes('{"a":1}\n'.repeat(10_000)));
      yield compressed.subarray(0, 2000);
      throw failure;
    }
    await assert.rejects(async () => {
      for await (const event of readRecords(failing(), DEFAULT_OPTIONS)) void event;
    }, failure);
  });
});

describe('the byte source', () => {
  it('of a plain object passes its errors through unchanged', async () => {
    const failure = new Error('socket hang up');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytes('{"a":1}\n{"b"');
      throw failure;
    }
    const seen: ReadEvent[] = [];
    await assert.rejects(async () => {
      for await (const event of readRecords(failing(), DEFAULT_OPTIONS)) seen.push(event);
    }, failure);
    assert.equal(seen.length, 1);
  });

  for (const compressed of [false, true]) {
    it(`is closed when the reader stops early (${compressed ? 'gzip' : 'plain'})`, async () => {
      let closed = false;
      const data = bytes('{"a":1}\n'.repeat(50_000));
      const body = compressed ? gzipSync(data) : data;
      async function* source(): AsyncGenerator<Uint8Array> {
        try {
          for (const chunk of cut(
            body,
            Array.from({ length: 100 }, (_, i) => i * 4096),
          ))
            yield chunk;
        } finally {
          closed = true;
        }
      }
      for await (const event of readRecords(source(), DEFAULT_OPTIONS)) {
        if (event.offset > 1000) break;
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(closed, true);
    });
  }
});

describe('objects compressed or encoded in a format sluice does not read', () => {
  for (const [name, magic] of [
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0x24]],
    ['zip', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]],
    ['lz4', [0x04, 0x22, 0x4d, 0x18, 0x64]],
    ['snappy', [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0x00]],
  ] as const) {
    it(`fail with OBJECT_UNSUPPORTED_COMPRESSION naming ${name} and the fix, before any record (none quarantined)`, async () => {
      const object = Buffer.concat([Buffer.from(magic), bytes('\n{"a":1}\n'), Buffer.alloc(64, 0xee)]);
      const { events, error } = await readUntilError(everyByte(object));
      assert.equal(sluiceCode(error), 'OBJECT_UNSUPPORTED_COMPRESSION');
      assert.match(
        (error as Error).message,
        new RegExp(`${name}-compressed.*gzip-compressed or uncompressed`),
      );
      assert.deepEqual(events, []);
    });
  }

  for (const [name, object] of [
    ['UTF-16LE', Buffer.from('\ufeff{"a":1}\r\n{"b":2}\r\n', 'utf16le')],
    ['UTF-16BE', Buffer.from('\ufeff{"a":1}\n', 'utf16le').swap16()],
    ['UTF-32LE', Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7b, 0x00, 0x00, 0x00])],
  ] as const) {
    it(`fail with OBJECT_UNSUPPORTED_ENCODING when the byte order mark says ${name} (Windows PowerShell's default)`, async () => {
      const { events, error } = await readUntilError(everyByte(object));
      assert.equal(sluiceCode(error), 'OBJECT_UNSUPPORTED_ENCODING');
      assert.match(
        (error as Error).message,
        new RegExp(`object is ${name} text .*: have the producer write UTF-8`),
      );
      assert.deepEqual(events, []);
    });
  }

  it('are found inside gzip too (UTF-16 text, gzip-compressed)', async () => {
    const object = gzipSync(Buffer.from('\ufeff{"a":1}\r\n', 'utf16le'));
    const { events, error } = await readUntilError([object]);
    assert.equal(sluiceCode(error), 'OBJECT_UNSUPPORTED_ENCODING');
    assert.match((error as Error).message, /object's gzip content is UTF-16LE text/);
    assert.deepEqual(events, []);
  });

  it('leave objects shorter than a magic alone', async () => {
    assert.equal(records(await readAll(bytes('{}'))).length, 1);
    assert.equal(records(await readAll(bytes('{"a":1}\n'))).length, 1);
  });
});

async function* buffersOf(chunks: readonly Uint8Array[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

describe('gunzip properties', () => {
  const member = fc
    .tuple(fc.uint8Array({ maxLength: 3_000 }), fc.constantFrom(1, 6, 9), fc.nat({ max: 3 }))
    .map(([content, level, padding]) => ({
      content: Buffer.from(content),
      bytes: Buffer.concat([gzipSync(Buffer.from(content), { level }), Buffer.alloc(padding)]),
    }));

  it('any members, zero padding after any of them, any chunking: every byte of every member, then the error the tail earns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(member, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('', 'x', 'garbage after the members'),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (members, tail, points) => {
          const object = Buffer.concat([...members.map((m) => m.bytes), bytes(tail)]);
          const produced: Buffer[] = [];
          let failure: unknown;
          try {
            const chunks = cut(
              object,
              points.map((p) => p % object.length),
            );
            for await (const chunk of gunzip(buffersOf(chunks), 1e9)) produced.push(chunk);
          } catch (error) {
            failure = error;
          }
          assert.deepEqual(Buffer.concat(produced), Buffer.concat(members.map((m) => m.content)));
          assert.equal(sluiceCode(failure), tail === '' ? undefined : 'OBJECT_CORRUPT_GZIP');
        },
      ),
      { numRuns: 200 },
    );
  });
});
