import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ReadEvent, RecordFormat } from '../../../lambda/core/records/read-event';
import { readRecordChunks } from '../../../lambda/core/records/reader';
import { DEFAULT_OPTIONS, cut, everyByte, invalids, readAll, records, streamOf } from './read-helpers';

const formats: RecordFormat[] = ['auto', 'ndjson', 'concatenated'];

/** Bytes that matter to the splitters, plus multi-byte characters and a BOM to split in the middle. */
const token = fc.constantFrom(
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  ':',
  ',',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '\t',
  'a',
  '1',
  'true',
  '{"k":1}',
  '"s"',
  'é',
  '東',
  '🎉',
  '\ufeff',
  '\n{',
  '\n  {',
);
const messyBytes = fc.array(token, { maxLength: 120 }).map((parts) => Buffer.from(parts.join(''), 'utf8'));

/** Where to cut a stream: anywhere, including inside characters, or after every byte. */
function chunking(data: Buffer): fc.Arbitrary<Uint8Array[]> {
  return fc.oneof(
    fc.array(fc.nat({ max: Math.max(data.length, 1) }), { maxLength: 12 }).map((points) => cut(data, points)),
    fc.constant(everyByte(data)),
  );
}

const record = fc
  .dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

describe('reader properties', () => {
  it('any split of the byte stream into chunks gives exactly the same events, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        messyBytes.chain((data) => fc.tuple(fc.constant(data), chunking(data))),
        fc.constantFrom(...formats),
        fc.integer({ min: 1, max: 40 }),
        async ([data, chunks], format, maxRecordBytes) => {
          const whole = await readAll(data, { format, maxRecordBytes });
          assert.deepEqual(await readAll(chunks, { format, maxRecordBytes }), whole);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("hands over a chunk's events as one non-empty array, each record's bytes being its text", async () => {
    await fc.assert(
      fc.asyncProperty(
        messyBytes.chain((data) => fc.tuple(fc.constant(data), chunking(data))),
        fc.constantFrom(...formats),
        async ([data, chunks], format) => {
          const options = { ...DEFAULT_OPTIONS, format, maxRecordBytes: 30 };
          const groups: (readonly ReadEvent[])[] = [];
          for await (const group of readRecordChunks(streamOf(chunks), options)) groups.push(group);
          assert.ok(groups.length <= chunks.length + 1, 'at most one array per chunk, and one at the end');
          assert.ok(groups.every((group) => group.length > 0));
          assert.deepEqual(groups.flat(), await readAll(data, options));
          for (const event of records(groups.flat())) assert.equal(event.bytes.toString('utf8'), event.text);
        },
      ),
    );
  });

  it('skipBefore gives exactly the events at or after it, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        messyBytes,
        fc.constantFrom(...formats),
        fc.nat({ max: 400 }),
        async (data, format, skip) => {
          const all = await readAll(data, { format, maxRecordBytes: 30 });
          const skipBefore = Math.min(skip, data.length + 1);
          assert.deepEqual(
            await readAll(data, { format, maxRecordBytes: 30, skipBefore }),
            all.filter((event) => event.offset >= skipBefore),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every event lies inside the stream, in order, without overlap', async () => {
    await fc.assert(
      fc.asyncProperty(messyBytes, fc.constantFrom(...formats), async (data, format) => {
        let end = 0;
        for (const event of await readAll(data, { format, maxRecordBytes: 30 })) {
          assert.ok(event.offset >= end && event.length > 0, `event at ${event.offset} after ${end}`);
          end = event.offset + event.length;
          assert.ok(end <= data.length);
          if (event.kind === 'invalid') {
            assert.deepEqual(
              Buffer.from(event.raw),
              data.subarray(event.offset, event.offset + event.raw.length),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  const ndjsonObject = fc
    .record({
      values: fc.array(record, { maxLength: 8 }),
      ends: fc.array(fc.constantFrom('\n', '\r\n', '\n\n', '\n  \t\n'), { minLength: 8, maxLength: 8 }),
      lead: fc.array(fc.constantFrom('', ' ', '\t'), { minLength: 8, maxLength: 8 }),
      bom: fc.boolean(),
      finalNewline: fc.boolean(),
    })
    .map(({ values, ends, lead, bom, finalNewline }) => {
      let text = bom ? '\ufeff' : '';
      const expected: { offset: number; value: Record<string, unknown>; text: string }[] = [];
      values.forEach((value, i) => {
        text += lead[i];
        const line = JSON.stringify(value);
        expected.push({ offset: Buffer.byteLength(text), value, text: line });
        text += line + (i < values.length - 1 || finalNewline ? ends[i] : '');
      });
      return { data: Buffer.from(text, 'utf8'), expected };
    });

  it('NDJSON gives every line as a record, with its byte offset, in every format that accepts it', async () => {
    await fc.assert(
      fc.asyncProperty(
        ndjsonObject.chain((o) => fc.tuple(fc.constant(o), chunking(o.data))),
        fc.constantFrom(...formats),
        async ([{ data, expected }, chunks], format) => {
          const events = await readAll(chunks, { format });
          assert.deepEqual(
            events.map((e) => e.kind === 'record' && { offset: e.offset, value: e.value, text: e.text }),
            expected,
          );
          for (const event of records(events)) {
            assert.equal(event.singleLine, true);
            assert.equal(
              data.subarray(event.offset, event.offset + event.length).toString('utf8'),
              event.text,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  const prettyObject = fc
    .record({
      values: fc.array(record, { maxLength: 6 }),
      indent: fc.constantFrom(2, 4, '\t'),
      separator: fc.constantFrom('\n', '\r\n', '', ' ', '\n\n'),
      crlf: fc.boolean(),
    })
    .map(({ values, indent, separator, crlf }) => {
      const texts = values.map((value) => {
        const pretty = JSON.stringify(value, null, indent);
        return crlf ? pretty.replace(/\n/g, '\r\n') : pretty;
      });
      return { data: Buffer.from(texts.join(separator) + '\n', 'utf8'), values, texts };
    });

  it('pretty-printed objects give every object as a record, in auto and concatenated formats', async () => {
    await fc.assert(
      fc.asyncProperty(
        prettyObject.chain((o) => fc.tuple(fc.constant(o), chunking(o.data))),
        fc.constantFrom<RecordFormat>('auto', 'concatenated'),
        async ([{ data, values, texts }, chunks], format) => {
          const events = await readAll(chunks, { format });
          assert.deepEqual(
            events.map((e) => e.kind === 'record' && e.value),
            values,
          );
          assert.deepEqual(
            records(events).map((e) => [e.text, e.singleLine]),
            texts.map((text) => [text, !/[\r\n]/.test(text)]),
          );
          for (const event of events) {
            assert.equal(
              data.subarray(event.offset, event.offset + event.length).toString('utf8'),
              event.kind === 'record' && event.text,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a record cut short anywhere is reported once and every record after it is still read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 4 }),
        fc.array(record, { minLength: 1, maxLength: 4 }),
        record.filter((value) => Object.keys(value).length > 0),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<[RecordFormat, number | undefined]>(
          ['auto', 4],
          ['concatenated', 4],
          ['auto', undefined],
        ),
        async (before, after, damaged, where, [format, indent]) => {
          const write = (value: unknown) => JSON.stringify(value, null, indent);
          const whole = write(damaged);
          // A proper, non-blank prefix: the writer stopped somewhere inside the record.
          const truncated = whole.slice(0, 1 + Math.floor(where * (whole.length - 2))).trimEnd();
          const text = [...before.map(write), truncated, ...after.map(write)].join('\n');
          const events = await readAll(Buffer.from(text, 'utf8'), { format });
          assert.deepEqual(
            records(events).map((e) => e.value),
            [...before, ...after],
          );
          assert.equal(invalids(events).length, 1);
          assert.equal(invalids(events)[0].offset, Buffer.byteLength([...before.map(write), ''].join('\n')));
        },
      ),
      { numRuns: 300 },
    );
  });
});
