import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RAW_BYTES } from '../../../lambda/core/records/read-event';
import {
  bytes,
  cut,
  everyByte,
  exposeGc,
  invalids,
  offsetOf,
  outline,
  readAll,
  records,
  retainedBuffers,
} from './read-helpers';

const ndjson = { format: 'ndjson' } as const;

describe('NDJSON reading', () => {
  it('gives each line as a record with its byte offset, length, text, bytes and parsed value', async () => {
    const data = bytes('{"id":"a","n":1}\n{"id":"b","n":2}\n');
    const events = await readAll(data, ndjson);
    assert.deepEqual(events, [
      {
        kind: 'record',
        offset: 0,
        length: 16,
        text: '{"id":"a","n":1}',
        bytes: Buffer.from('{"id":"a","n":1}'),
        value: { id: 'a', n: 1 },
        singleLine: true,
      },
      {
        kind: 'record',
        offset: 17,
        length: 16,
        text: '{"id":"b","n":2}',
        bytes: Buffer.from('{"id":"b","n":2}'),
        value: { id: 'b', n: 2 },
        singleLine: true,
      },
    ]);
  });

  it('strips CR of CRLF line ends from the text without counting it in the length', async () => {
    const events = await readAll(bytes('{"a":1}\r\n{"b":2}\r\n'), ndjson);
    assert.deepEqual(outline(events), [
      { record: '{"a":1}', offset: 0, length: 7, singleLine: true },
      { record: '{"b":2}', offset: 9, length: 7, singleLine: true },
    ]);
  });

  it('skips a leading UTF-8 BOM, which still counts in offsets', async () => {
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}\n{"b":2}\n')]);
    const events = await readAll(data, ndjson);
    assert.deepEqual(
      events.map((e) => [e.offset, e.kind === 'record' && e.text]),
      [
        [3, '{"a":1}'],
        [11, '{"b":2}'],
      ],
    );
  });

  it('skips a BOM that arrives one byte per chunk', async () => {
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}')]);
    const events = await readAll(everyByte(data), ndjson);
    assert.deepEqual(outline(events), [{ record: '{"a":1}', offset: 3, length: 7, singleLine: true }]);
  });

  it('skips blank and whitespace-only lines, and blanks around a record', async () => {
    const data = bytes('\n\n   \n\t\r\n  {"a":1}  \t\n\r\n{"b":2}\n\n');
    const events = await readAll(data, ndjson);
    assert.deepEqual(outline(events), [
      { record: '{"a":1}', offset: offsetOf(data, '{"a"'), length: 7, singleLine: true },
      { record: '{"b":2}', offset: offsetOf(data, '{"b"'), length: 7, singleLine: true },
    ]);
  });

  it('reads a last line that has no final newline', async () => {
    const events = await readAll(bytes('{"a":1}\n{"b":2}'), ndjson);
    assert.deepEqual(
      records(events).map((e) => e.value),
      [{ a: 1 }, { b: 2 }],
    );
  });

  it('gives nothing for an empty object stream or one of blanks only', async () => {
    assert.deepEqual(await readAll([], ndjson), []);
    assert.deepEqual(await readAll(bytes(' \n\r\n\t'), ndjson), []);
  });

  it('keeps a multi-byte character that is split across two chunks', async () => {
    const data = bytes('{"name":"Zoë 東京 🎉"}\n');
    const emoji = data.indexOf(Buffer.from('🎉'));
    for (const at of [
      data.indexOf(Buffer.from('ë')) + 1,
      data.indexOf(Buffer.from('東')) + 2,
      emoji + 1,
      emoji + 3,
    ]) {
      const events = await readAll(cut(data, [at]), ndjson);
      assert.deepEqual(records(events)[0].value, { name: 'Zoë 東京 🎉' }, `cut at byte ${at}`);
    }
  });

  it('counts offsets in bytes, not characters', async () => {
    const events = await readAll(bytes('{"k":"€€"}\n{"k":1}\n'), ndjson);
    assert.deepEqual(
      events.map((e) => [e.offset, e.length]),
      [
        [0, 14],
        [15, 7],
      ],
    );
  });

  it('reports a line that is not JSON with its offset, and still reads the lines around it', async () => {
    const data = bytes('{"a":1}\n{"b": tru}\n{"c":3}\n');
    const events = await readAll(data, ndjson);
    assert.deepEqual(outline(events), [
      { record: '{"a":1}', offset: 0, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 8, length: 10, raw: '{"b": tru}' },
      { record: '{"c":3}', offset: 19, length: 7, singleLine: true },
    ]);
  });

  it('keeps record content out of the reason of an invalid line (reasons are logged)', async () => {
    const [event] = invalids(await readAll(bytes('{"password": "hunter2" oops}\n'), ndjson));
    assert.equal(event.code, 'INVALID_JSON');
    assert.doesNotMatch(event.reason, /hunter2|password/);
    assert.match(event.reason, /not valid JSON/);
  });

  it('reports a JSON value that is not an object as NOT_AN_OBJECT', async () => {
    const events = await readAll(bytes('[1,2]\n42\n"text"\nnull\ntrue\n{"ok":1}\n'), ndjson);
    assert.deepEqual(
      events.map((e) => (e.kind === 'invalid' ? `${e.code} ${e.reason}` : e.text)),
      [
        'NOT_AN_OBJECT a JSON array, not an object',
        'NOT_AN_OBJECT a JSON number, not an object',
        'NOT_AN_OBJECT a JSON string, not an object',
        'NOT_AN_OBJECT a JSON null, not an object',
        'NOT_AN_OBJECT a JSON boolean, not an object',
        '{"ok":1}',
      ],
    );
  });

  it('accepts a line of exactly maxRecordBytes and refuses one byte more', async () => {
    const fits = `{"v":"${'x'.repeat(92)}"}`; // 100 bytes
    const data = bytes(`${fits}\r\n{"v":"${'x'.repeat(93)}"}\n{"ok":1}`);
    const events = await readAll(data, { ...ndjson, maxRecordBytes: 100 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.length : `${e.code} ${e.length} at ${e.offset}`)),
      [100, 'RECORD_TOO_LARGE 101 at 102', 8],
    );
  });

  it('reports a line longer than maxRecordBytes and keeps only its first 64 KiB, then reads on', async () => {
    const huge = `{"blob":"${'a'.repeat(300 * 1024)}"}`;
    const data = bytes(`{"a":1}\n${huge}\n{"c":3}\n`);
    const chunks = cut(
      data,
      Array.from({ length: 40 }, (_, i) => i * 10_000 + 3),
    );
    const events = await readAll(chunks, { ...ndjson, maxRecordBytes: 100 * 1024 });
    assert.equal(events.length, 3);
    const [first, tooLarge, last] = events;
    assert.equal(first.kind === 'record' && first.text, '{"a":1}');
    assert.equal(tooLarge.kind, 'invalid');
    assert.equal(tooLarge.kind === 'invalid' && tooLarge.code, 'RECORD_TOO_LARGE');
    assert.equal(tooLarge.offset, 8);
    assert.equal(tooLarge.length, Buffer.byteLength(huge));
    assert.equal(tooLarge.kind === 'invalid' && tooLarge.raw.length, MAX_RAW_BYTES);
    assert.deepEqual(
      tooLarge.kind === 'invalid' && Buffer.from(tooLarge.raw),
      data.subarray(8, 8 + MAX_RAW_BYTES),
    );
    assert.equal(last.kind === 'record' && last.text, '{"c":3}');
    assert.equal(last.offset, 8 + Buffer.byteLength(huge) + 1);
  });

  it('reports a too-long last line that has no final newline', async () => {
    const events = await readAll(cut(bytes(`{"a":1}\n{"b":"${'z'.repeat(50)}"}\r`), [10, 20]), {
      ...ndjson,
      maxRecordBytes: 20,
    });
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : [e.code, e.offset, e.length])),
      ['{"a":1}', ['RECORD_TOO_LARGE', 8, 58]],
    );
  });

  it('does not keep a line larger than maxRecordBytes in memory while skipping it', async () => {
    const gc = exposeGc();
    const chunk = 64 * 1024;
    const totalChunks = 1024; // a 64 MiB line
    let retainedWhileSkipping = Number.POSITIVE_INFINITY;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes('{"big":"');
      for (let i = 0; i < totalChunks; i++) {
        if (i === totalChunks - 1) retainedWhileSkipping = await retainedBuffers(gc);
        yield Buffer.alloc(chunk, 0x61);
      }
      yield bytes('"}\n{"after":true}\n');
    }
    const events = await readAll(source(), { format: 'ndjson', maxRecordBytes: 1024 * 1024 });
    assert.ok(
      retainedWhileSkipping < 16 * 1024 * 1024,
      `${retainedWhileSkipping} bytes of buffers retained while skipping a 64 MiB line`,
    );
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : e.code)),
      ['RECORD_TOO_LARGE', '{"after":true}'],
    );
  });
});
