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
  prettyFixture,
  readAll,
  records,
  retainedBuffers,
} from './read-helpers';

const concatenated = { format: 'concatenated' } as const;

describe('concatenated JSON reading', () => {
  it('reads pretty-printed vendor records one after another, offsets at each opening brace', async () => {
    const data = prettyFixture();
    const events = await readAll(data, concatenated);
    const starts = [0, offsetOf(data, '\n{', 1) + 1, offsetOf(data, '\n{', offsetOf(data, '\n{', 1) + 1) + 1];
    assert.deepEqual(
      events.map((e) => [e.kind, e.offset]),
      starts.map((start) => ['record', start]),
    );
    const [activity, query, replay] = records(events);
    assert.equal(activity.value.actorFirstName, 'Zoë');
    assert.deepEqual(activity.value.entities, [
      { type: 'user', id: 'a-11112222333344', email: 'zoë.kowalski@example.com' },
    ]);
    assert.equal(query.value.query, "SELECT id, name FROM customers WHERE note = '東京 {ok}'");
    assert.equal(replay.value.timestamp, '2025-03-14T09:27:05.5Z');
    for (const record of [activity, query, replay]) {
      assert.equal(record.singleLine, false);
      assert.equal(record.text, data.subarray(record.offset, record.offset + record.length).toString());
      assert.ok(record.text.startsWith('{') && record.text.endsWith('}'));
    }
  });

  it('reads objects with no separator, blanks or CRLF between them, and tab-indented ones', async () => {
    const data = bytes('{"a":1}{"b":2}  {"c":3}\r\n\r\n{\r\n\t"d": [\r\n\t\t4\r\n\t]\r\n}');
    const events = await readAll(data, concatenated);
    assert.deepEqual(
      records(events).map((e) => [e.offset, e.value, e.singleLine]),
      [
        [0, { a: 1 }, true],
        [7, { b: 2 }, true],
        [16, { c: 3 }, true],
        [27, { d: [4] }, false],
      ],
    );
    assert.equal(invalids(events).length, 0);
  });

  it('is not fooled by braces, brackets, quotes and backslashes inside strings', async () => {
    const tricky = { s: 'a "}" {', t: 'back\\slash\\', u: '] } [ {', v: '\\"', w: '\n{not a record}' };
    const data = bytes(`${JSON.stringify(tricky, null, 2)}\n${JSON.stringify({ next: true }, null, 2)}\n`);
    const events = await readAll(data, concatenated);
    assert.deepEqual(
      events.map((e) => e.kind === 'record' && e.value),
      [tricky, { next: true }],
    );
  });

  it('reports an object cut short in a string and reads the objects after it (resync at the next line starting with {)', async () => {
    const good = JSON.stringify({ ok: 1 }, null, 4);
    const damaged = '{\n    "id": "at-1",\n    "description": "Zoë logged in';
    const data = bytes(`${good}\n${damaged}\n${good}\n${good}\n`);
    const events = await readAll(data, concatenated);
    const damagedAt = good.length + 1;
    assert.deepEqual(outline(events), [
      { record: good, offset: 0, length: good.length, singleLine: false },
      { invalid: 'INVALID_JSON', offset: damagedAt, length: Buffer.byteLength(damaged), raw: damaged },
      {
        record: good,
        offset: damagedAt + Buffer.byteLength(damaged) + 1,
        length: good.length,
        singleLine: false,
      },
      {
        record: good,
        offset: damagedAt + Buffer.byteLength(damaged) + good.length + 2,
        length: good.length,
        singleLine: false,
      },
    ]);
    assert.match(invalids(events)[0].reason, /string runs into a line break/);
  });

  it('never delivers the nested objects of a damaged record as records', async () => {
    const damaged = '{\n  "id": "at-2,\n  "entities": [\n    {\n      "type": "user"\n    }\n  ]\n}';
    const data = bytes(`${damaged}\n{"after":1}\n`);
    const events = await readAll(data, concatenated);
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.value : [e.code, e.offset, e.length])),
      [['INVALID_JSON', 0, damaged.length], { after: 1 }],
    );
  });

  it('reports an object still open when a line starts with {, and reads on from that line', async () => {
    const open = '{\n  "a": 1,\n  "b": [1, 2';
    const next = '{\n  "c": 3\n}';
    const events = await readAll(bytes(`${open}\n${next}\n`), concatenated);
    assert.deepEqual(outline(events), [
      { invalid: 'INVALID_JSON', offset: 0, length: open.length, raw: open },
      { record: next, offset: open.length + 1, length: next.length, singleLine: false },
    ]);
    assert.match(invalids(events)[0].reason, /not closed before the next line that starts with/);
  });

  it('reports an object that the end of the stream leaves open', async () => {
    const data = bytes('{"a":1}\n{\n  "b": {\n    "c": 2\n  }\n  ');
    const events = await readAll(data, concatenated);
    assert.deepEqual(outline(events), [
      { record: '{"a":1}', offset: 0, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 8, length: 25, raw: '{\n  "b": {\n    "c": 2\n  }' },
    ]);
    assert.match(invalids(events)[0].reason, /not closed at the end of the stream/);
  });

  it('reports an object that closes but is not valid JSON, and reads the next one', async () => {
    const events = await readAll(bytes('{"a" 1}\n{"b":2}'), concatenated);
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : [e.code, e.offset, e.length])),
      [['INVALID_JSON', 0, 7], '{"b":2}'],
    );
  });

  it('reports text between objects up to the next line that starts with {', async () => {
    const bad = 'oops, not json\n  {"swallowed":true}';
    const data = bytes(`{"a":1}\n${bad}\n{"b":2}\n`);
    const events = await readAll(data, concatenated);
    assert.deepEqual(outline(events), [
      { record: '{"a":1}', offset: 0, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 8, length: bad.length, raw: bad },
      { record: '{"b":2}', offset: offsetOf(data, '{"b"'), length: 7, singleLine: true },
    ]);
    assert.equal(invalids(events)[0].reason, 'text outside any JSON object');
  });

  it('names a lone JSON value between objects NOT_AN_OBJECT', async () => {
    const events = await readAll(bytes('{"a":1}\n[\n  1,\n  2\n]\n{"b":2}\n"text"'), concatenated);
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : [e.code, e.reason])),
      [
        '{"a":1}',
        ['NOT_AN_OBJECT', 'a JSON array, not an object'],
        '{"b":2}',
        ['NOT_AN_OBJECT', 'a JSON string, not an object'],
      ],
    );
  });

  it('skips a leading BOM', async () => {
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{\n "a": 1\n}')]);
    assert.deepEqual(
      (await readAll(everyByte(data), concatenated)).map((e) => [e.kind, e.offset]),
      [['record', 3]],
    );
  });

  it('reports a pretty-printed object larger than maxRecordBytes with its full length, and reads on', async () => {
    const big = JSON.stringify({ blob: 'b'.repeat(200 * 1024), more: { x: '}' } }, null, 4);
    const data = bytes(`${big}\n{\n    "after": true\n}\n`);
    const events = await readAll(cut(data, [5000, 70_000, 150_000]), {
      ...concatenated,
      maxRecordBytes: 100_000,
    });
    assert.equal(events.length, 2);
    const [tooLarge, after] = events;
    assert.equal(tooLarge.kind === 'invalid' && tooLarge.code, 'RECORD_TOO_LARGE');
    assert.equal(tooLarge.offset, 0);
    assert.equal(tooLarge.length, big.length);
    assert.equal(tooLarge.kind === 'invalid' && tooLarge.raw.length, MAX_RAW_BYTES);
    assert.deepEqual(after.kind === 'record' && [after.offset, after.value], [
      big.length + 1,
      { after: true },
    ]);
  });

  it('accepts an object of exactly maxRecordBytes and refuses one byte more', async () => {
    const data = bytes('{\n "a": 12\n}\n{\n "a": 123\n}\n');
    const events = await readAll(data, { ...concatenated, maxRecordBytes: 12 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.length : [e.code, e.length])),
      [12, ['RECORD_TOO_LARGE', 13]],
    );
  });

  it('does not keep an object larger than maxRecordBytes in memory while skipping it', async () => {
    const gc = exposeGc();
    const totalChunks = 1024; // 64 MiB
    let retainedWhileSkipping = Number.POSITIVE_INFINITY;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes('{\n    "blob": "');
      for (let i = 0; i < totalChunks; i++) {
        if (i === totalChunks - 1) retainedWhileSkipping = await retainedBuffers(gc);
        yield Buffer.alloc(64 * 1024, 0x62);
      }
      yield bytes('"\n}\n{"after":true}\n');
    }
    const events = await readAll(source(), { ...concatenated, maxRecordBytes: 1024 * 1024 });
    assert.ok(retainedWhileSkipping < 16 * 1024 * 1024, `${retainedWhileSkipping} bytes retained`);
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : e.code)),
      ['RECORD_TOO_LARGE', '{"after":true}'],
    );
  });

  it('reports a hand-formatted object with a nested { in column 0 as invalid (the price of the resync rule)', async () => {
    const events = await readAll(bytes('{"a":\n{"b":1}}\n{"c":2}\n'), concatenated);
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : e.code)),
      ['INVALID_JSON', '{"b":1}', 'INVALID_JSON', '{"c":2}'],
    );
  });
});
