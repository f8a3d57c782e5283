import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SluiceError } from '../../../lambda/core/errors';
import { MAX_RAW_BYTES } from '../../../lambda/core/records/read-event';
import { bytes, cut, everyByte, invalids, offsetOf, outline, readAll, records } from './read-helpers';

const recordsArray = { format: 'records-array' } as const;

/** A CloudTrail log file as CloudTrail writes it: one minified `{"Records":[...]}` document. */
function cloudTrailFixture(): Buffer {
  return readFileSync(join(__dirname, '../../fixtures/records/cloudtrail-log-file.json'));
}

describe('records-array reading (CloudTrail log files)', () => {
  it("reads each element of the Records array as a record, at its opening brace's offset", async () => {
    const data = cloudTrailFixture();
    const events = await readAll(gzipSync(data), recordsArray);
    assert.equal(invalids(events).length, 0);
    const read = records(events);
    assert.deepEqual(
      read.map((record) => record.value.eventID),
      [
        '0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
        '4d5e6f70-8192-4a3b-bc4d-5e6f708192a3',
        '7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
      ],
    );
    const document = JSON.parse(data.toString()) as { Records: unknown[] };
    assert.deepEqual(
      read.map((record) => record.value),
      document.Records,
    );
    assert.equal(read[0].offset, offsetOf(data, '{"eventVersion"'));
    for (const record of read) {
      assert.equal(record.singleLine, true);
      assert.equal(record.text, data.subarray(record.offset, record.offset + record.length).toString());
      assert.ok(record.bytes.equals(Buffer.from(record.text)));
    }
    assert.equal((read[0].value.userIdentity as { userName: string }).userName, 'José');
  });

  it('gives the same events whatever the chunking, down to one byte at a time', async () => {
    const data = bytes(
      '{"Records":[{"a":"}]{[\\"","b":[1,{"c":2}]} , 7,{"d":"Records"}],"other":{"Records":[{"x":1}]}}',
    );
    const whole = outline(await readAll(data, recordsArray));
    assert.deepEqual(outline(await readAll(everyByte(data), recordsArray)), whole);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: data.length - 1 }), { maxLength: 8 }),
        async (points) => {
          assert.deepEqual(outline(await readAll(cut(data, points), recordsArray)), whole);
        },
      ),
      { numRuns: 100 },
    );
    assert.deepEqual(whole, [
      { record: '{"a":"}]{[\\"","b":[1,{"c":2}]}', offset: 12, length: 30, singleLine: true },
      { invalid: 'NOT_AN_OBJECT', offset: 45, length: 1, raw: '7' },
      { record: '{"d":"Records"}', offset: 47, length: 15, singleLine: true },
    ]);
  });

  it('finds every element whatever its strings hold (quotes, backslash runs, brackets) and the chunking (property)', async () => {
    const text = fc.string({
      unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', 'a', 'é', ' ', '\n'),
    });
    const element = fc.record({ s: text, n: fc.array(fc.record({ t: text }), { maxLength: 2 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(element, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 6 }),
        async (elements, points) => {
          const data = bytes(JSON.stringify({ Records: elements }));
          const events = await readAll(cut(data, points), recordsArray);
          assert.deepEqual(
            events.map((event) => (event.kind === 'record' ? event.value : event.code)),
            JSON.parse(JSON.stringify(elements)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a pretty-printed document, its records marked multi-line', async () => {
    const data = bytes(`${JSON.stringify({ Records: [{ a: 1, b: { c: [2] } }, { d: 'x' }] }, null, 2)}\n`);
    const read = records(await readAll(data, recordsArray));
    assert.deepEqual(
      read.map((record) => [record.value, record.singleLine]),
      [
        [{ a: 1, b: { c: [2] } }, false],
        [{ d: 'x' }, false],
      ],
    );
  });

  it('skips other top-level fields, before or after the array, and nested "Records" keys', async () => {
    const data = bytes(
      '{"meta":{"Records":[{"x":1}],"n":[1,2]},"count":2,"flag":true,"Records":[{"y":1},{"y":2}],"tail":"]}"}',
    );
    const events = await readAll(data, recordsArray);
    assert.deepEqual(
      records(events).map((record) => record.value),
      [{ y: 1 }, { y: 2 }],
    );
    assert.equal(invalids(events).length, 0);
  });

  it('reports each bad element with its offset and reads on: not objects, broken JSON, too large', async () => {
    const big = `{"big":"${'x'.repeat(300)}"}`;
    const parts = ['{"ok":1}', '42', '"str]ing"', '[1,{"z":2}]', 'null', '{"bad": }', big, '{"ok":2}'];
    const data = bytes(`{"Records":[${parts.join(', ')}]}`);
    let at = '{"Records":['.length;
    const offsets = parts.map((part) => {
      const offset = at;
      at += part.length + ', '.length;
      return offset;
    });
    const events = await readAll(data, { ...recordsArray, maxRecordBytes: 100 });
    const kinds = [
      'record',
      'NOT_AN_OBJECT',
      'NOT_AN_OBJECT',
      'NOT_AN_OBJECT',
      'NOT_AN_OBJECT',
      'INVALID_JSON',
    ];
    assert.deepEqual(
      events.map((event) => [event.kind === 'record' ? 'record' : event.code, event.offset, event.length]),
      [...kinds, 'RECORD_TOO_LARGE', 'record'].map((kind, index) => [
        kind,
        offsets[index],
        parts[index].length,
      ]),
    );
    for (const [index, event] of events.entries()) {
      const raw = event.kind === 'record' ? event.text : Buffer.from(event.raw).toString();
      assert.equal(raw, parts[index], `the bytes of element ${index} are kept for the quarantine`);
    }
  });

  it('keeps at most 64 KiB of a record too large to read, without buffering it', async () => {
    const big = `{"big":"${'y'.repeat(3 * MAX_RAW_BYTES)}"}`;
    const data = bytes(`{"Records":[${big},{"after":true}]}`);
    const events = await readAll(cut(data, [1000, 70_000, 140_000]), {
      ...recordsArray,
      maxRecordBytes: 1024,
    });
    const [tooLarge] = invalids(events);
    assert.equal(tooLarge.code, 'RECORD_TOO_LARGE');
    assert.equal(tooLarge.length, big.length);
    assert.equal(tooLarge.raw.length, MAX_RAW_BYTES);
    assert.deepEqual(
      records(events).map((record) => record.value),
      [{ after: true }],
    );
  });

  it('reports a truncated document: the open record, or the missing end of the array', async () => {
    const cutInRecord = await readAll(bytes('{"Records":[{"a":1},{"b":[2,'), recordsArray);
    assert.deepEqual(outline(cutInRecord), [
      { record: '{"a":1}', offset: 12, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 20, length: 8, raw: '{"b":[2,' },
    ]);
    const cutAfterRecord = await readAll(bytes('{"Records":[{"a":1},'), recordsArray);
    assert.deepEqual(outline(cutAfterRecord), [
      { record: '{"a":1}', offset: 12, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 20, length: 0, raw: '' },
    ]);
    assert.match(invalids(cutAfterRecord)[0].reason, /ends before its "Records" array is closed/);
  });

  it('reports a document without a Records array (a CloudTrail digest file) instead of dropping it', async () => {
    const digest = readFileSync(join(__dirname, '../../fixtures/records/cloudtrail-digest-file.json'));
    const events = await readAll(digest, recordsArray);
    assert.equal(records(events).length, 0);
    const [missing] = invalids(events);
    assert.deepEqual(
      { code: missing.code, offset: missing.offset, length: missing.length },
      { code: 'INVALID_JSON', offset: 0, length: digest.length },
    );
    assert.match(missing.reason, /no top-level "Records" array/);
    assert.ok(Buffer.from(missing.raw).equals(digest));
    assert.equal(invalids(await readAll(bytes('{"Records":null}'), recordsArray))[0].code, 'INVALID_JSON');
  });

  it('reports text before or after the document, and reads nothing from an empty object', async () => {
    assert.deepEqual(outline(await readAll(bytes('{"Records":[{"a":1}]}\n garbage \n'), recordsArray)), [
      { record: '{"a":1}', offset: 12, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 23, length: 7, raw: 'garbage' },
    ]);
    const notADocument = invalids(await readAll(bytes('[{"a":1}]'), recordsArray));
    assert.equal(notADocument.length, 1);
    assert.match(notADocument[0].reason, /where a JSON object with a "Records" array was expected/);
    assert.deepEqual(await readAll(bytes(''), recordsArray), []);
    assert.deepEqual(await readAll(bytes('{"Records":[]}'), recordsArray), []);
  });

  it('resumes after a delivered record: the same events from skipBefore on', async () => {
    const data = cloudTrailFixture();
    const all = await readAll(gzipSync(data), recordsArray);
    const second = records(all)[1];
    const resumed = await readAll(gzipSync(data), { ...recordsArray, skipBefore: second.offset });
    assert.deepEqual(outline(resumed), outline(all).slice(1));
  });

  it('refuses a ranged read, which would start in the middle of the document', async () => {
    await assert.rejects(
      readAll(bytes('{"a":1}]}'), { ...recordsArray, startOffset: 20 }),
      (error: unknown) => error instanceof SluiceError && error.code === 'READER_INVALID_OPTIONS',
    );
  });
});
