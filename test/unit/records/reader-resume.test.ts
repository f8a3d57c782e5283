import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SluiceError } from '../../../lambda/core/errors';
import { readRecords } from '../../../lambda/core/records/reader';
import type { ReaderOptions, RecordFormat } from '../../../lambda/core/records/read-event';
import { DEFAULT_OPTIONS, bytes, prettyFixture, readAll, streamOf } from './read-helpers';

const mixed = Buffer.concat([
  bytes('\ufeff{"n":1}\n{"n":2}\nbroken\n'),
  prettyFixture(),
  bytes('\n{"n":3}\r\n{"n":4}{"n":5}\n'),
]);
const formats: RecordFormat[] = ['auto', 'ndjson', 'concatenated'];

describe('resuming a read', () => {
  for (const format of formats) {
    it(`from a record's offset with a ranged read gives the rest of the events, at the same offsets (${format})`, async () => {
      const data = format === 'ndjson' ? bytes('{"n":1}\n  {"n":2}\r\n\n[3]\n{"n":4}') : mixed;
      const all = await readAll(data, { format });
      assert.ok(all.length >= 4);
      for (const event of all.slice(1)) {
        const rest = await readAll(data.subarray(event.offset), { format, startOffset: event.offset });
        assert.deepEqual(
          rest,
          all.filter((e) => e.offset >= event.offset),
          `resumed at ${event.offset}`,
        );
      }
    });
  }

  it('never takes a ranged read for gzip or a BOM: those only exist at byte 0', async () => {
    const data = Buffer.concat([
      Buffer.from([0x1f, 0x8b]),
      bytes('{"a":1}\n'),
      Buffer.from([0xef, 0xbb, 0xbf]),
    ]);
    const events = await readAll(data, { format: 'ndjson', startOffset: 100 });
    assert.deepEqual(
      events.map((e) => [e.kind, e.offset]),
      [
        ['invalid', 100],
        ['invalid', 110],
      ],
    );
  });

  for (const format of formats) {
    it(`with skipBefore drops exactly the events before that offset (${format})`, async () => {
      const all = await readAll(mixed, { format });
      for (const skipBefore of [0, 1, 4, 12, 13, 30, 500, 1000, mixed.length, mixed.length + 1]) {
        assert.deepEqual(
          await readAll(mixed, { format, skipBefore }),
          all.filter((e) => e.offset >= skipBefore),
          `skipBefore ${skipBefore}`,
        );
      }
    });
  }

  it('of a gzip object with skipBefore re-reads it from the start and drops the events already seen', async () => {
    const all = await readAll(mixed);
    const third = all[2].offset;
    assert.deepEqual(
      await readAll(gzipSync(mixed), { skipBefore: third }),
      all.filter((e) => e.offset >= third),
    );
  });
});

describe('reader options', () => {
  const invalid: [string, Partial<ReaderOptions>][] = [
    ['an unknown format', { format: 'xml' as RecordFormat }],
    ['a zero record limit', { maxRecordBytes: 0 }],
    ['a fractional record limit', { maxRecordBytes: 1.5 }],
    ['a missing decompression limit', { maxDecompressedBytes: undefined as unknown as number }],
    ['a negative start offset', { startOffset: -1 }],
    ['a non-integer skipBefore', { skipBefore: Number.NaN }],
  ];
  for (const [what, options] of invalid) {
    it(`refuse ${what} with READER_INVALID_OPTIONS`, async () => {
      await assert.rejects(
        async () => {
          for await (const event of readRecords(streamOf([bytes('{}')]), { ...DEFAULT_OPTIONS, ...options }))
            void event;
        },
        (error: unknown) => error instanceof SluiceError && error.code === 'READER_INVALID_OPTIONS',
      );
    });
  }
});
