import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytes, offsetOf, outline, prettyFixture, readAll, records } from './read-helpers';

const auto = { format: 'auto' } as const;

describe('auto format', () => {
  it('reads an NDJSON object exactly as the ndjson format does', async () => {
    const data = bytes('{"a":1}\r\n\n  {"b":"é"}\n[1]\n{"c":3}');
    assert.deepEqual(await readAll(data, auto), await readAll(data, { format: 'ndjson' }));
  });

  it('reads pretty-printed objects exactly as the concatenated format does', async () => {
    const data = prettyFixture();
    const events = await readAll(data, auto);
    assert.equal(records(events).length, 3);
    assert.deepEqual(events, await readAll(data, { format: 'concatenated' }));
  });

  it('reads an object that mixes NDJSON lines and pretty-printed objects, in order', async () => {
    const data = bytes('{"n":1}\n{\n  "n": 2\n}\n{"n":3}\n{"n":4}{"n":5}\n  {\n    "n": 6\n  }\n{"n":7}');
    const events = await readAll(data, auto);
    assert.deepEqual(
      events.map((e) => e.kind === 'record' && [e.value.n, e.offset, e.singleLine]),
      [
        [1, 0, true],
        [2, offsetOf(data, '{\n  "n": 2'), false],
        [3, offsetOf(data, '{"n":3}'), true],
        [4, offsetOf(data, '{"n":4}'), true],
        [5, offsetOf(data, '{"n":5}'), true],
        [6, offsetOf(data, '{\n    "n": 6'), false],
        [7, offsetOf(data, '{"n":7}'), true],
      ],
    );
  });

  it('confines a truncated NDJSON line to one invalid event', async () => {
    const data = bytes('{"a":1}\n{"b":"trunc\n{"c":{"d":1}\n{"e":5}\n');
    const events = await readAll(data, auto);
    assert.deepEqual(outline(events), [
      { record: '{"a":1}', offset: 0, length: 7, singleLine: true },
      { invalid: 'INVALID_JSON', offset: 8, length: 11, raw: '{"b":"trunc' },
      { invalid: 'INVALID_JSON', offset: offsetOf(data, '{"c"'), length: 12, raw: '{"c":{"d":1}' },
      { record: '{"e":5}', offset: offsetOf(data, '{"e"'), length: 7, singleLine: true },
    ]);
  });

  it('reports a line that is a JSON value but not an object, and reads on', async () => {
    const events = await readAll(bytes('42\n{"a":1}\n'), auto);
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : e.code)),
      ['NOT_AN_OBJECT', '{"a":1}'],
    );
  });

  it('reports a line over the size limit and reads on', async () => {
    const long = `{"v":"${'x'.repeat(500)}"}`;
    const events = await readAll(bytes(`${long}\n{"a":1}\n`), { ...auto, maxRecordBytes: 100 });
    assert.deepEqual(
      events.map((e) => (e.kind === 'record' ? e.text : [e.code, e.offset, e.length])),
      [['RECORD_TOO_LARGE', 0, long.length], '{"a":1}'],
    );
  });

  it('still splits small objects written on one long line', async () => {
    const line = Array.from({ length: 50 }, (_, n) => JSON.stringify({ n })).join('');
    const events = await readAll(bytes(line), { ...auto, maxRecordBytes: 100 });
    assert.deepEqual(
      records(events).map((e) => e.value.n),
      Array.from({ length: 50 }, (_, n) => n),
    );
  });
});
