import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FieldScanner, SCANNED_OBJECT, valueAt } from '../../../lambda/core/records/json-scan';

const NAMES = ['logType', 'timestamp', 'id', 'uuid', 'é', '__proto__', ''];

/** Scans `bytes[start, end)`, and decodes every wanted field it found into `values` (left as is when not an object). */
function scanValues(
  scanner: FieldScanner,
  bytes: Buffer,
  start: number,
  end: number,
  values: unknown[],
): number {
  const spans = new Array<number>(2 * scanner.names.length);
  const verdict = scanner.scanSpans(bytes, start, end, spans);
  if (verdict === SCANNED_OBJECT)
    scanner.names.forEach((_, index) => (values[index] = valueAt(bytes, start, spans, index)));
  return verdict;
}

/** What JSON.parse says of the bytes (decoded as the reader decodes them): the object, or undefined. */
function parsedObject(bytes: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The scanner agrees with JSON.parse: same verdict, and each wanted field as the parsed object has it. */
function agrees(bytes: Buffer, padding = 0): void {
  const scanner = new FieldScanner(NAMES);
  // The record sits inside a larger buffer, as in a chunk.
  const chunk = Buffer.concat([Buffer.alloc(padding, 0x7b), bytes, Buffer.alloc(padding, 0x22)]);
  const values: unknown[] = new Array(NAMES.length).fill('stale');
  const verdict = scanValues(scanner, chunk, padding, padding + bytes.length, values);
  const expected = parsedObject(bytes);
  assert.equal(
    verdict === SCANNED_OBJECT,
    expected !== undefined,
    `verdict for ${JSON.stringify(bytes.toString('latin1'))}`,
  );
  if (expected === undefined) return;
  NAMES.forEach((name, index) => {
    assert.deepStrictEqual(values[index], Object.hasOwn(expected, name) ? expected[name] : undefined, name);
  });
  assert.equal(
    scanner.state.ascii,
    bytes.every((byte) => byte < 0x80),
  );
}

/** Pieces of JSON, valid and not, to build texts from: the grammar's corners. */
const PIECES = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  '\\',
  ' ',
  '\t',
  '\r',
  '\n',
  '\\"',
  '\\\\',
  '\\/',
  '\\b',
  '\\u00e9',
  '\\ud83d',
  '\\uDE80',
  '\\u12',
  '\\x',
  '"logType"',
  '"log\\u0054ype"',
  '"timestamp"',
  '"id"',
  '"é"',
  '"__proto__"',
  '""',
  '0',
  '1',
  '-',
  '.',
  'e',
  'E',
  '+',
  '01',
  '-0',
  '1.5e+3',
  '12345678901234567890',
  'true',
  'false',
  'null',
  'tru',
  'nul',
  'é',
  '\u0000',
  '\u001f',
  '\u007f',
  '\ufeff',
  'a',
];

describe('FieldScanner', () => {
  it('agrees with JSON.parse on any JSON value, however it is laid out', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom(undefined, 0, 1, '\t', ' \r\n'),
        fc.nat(3),
        (value, space, padding) => {
          agrees(Buffer.from(JSON.stringify(value, null, space)), padding);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('agrees with JSON.parse on objects with the wanted fields, repeated, escaped, nested and of any type', () => {
    const member = fc.tuple(
      fc.constantFrom(
        '"logType"',
        '"log\\u0054ype"',
        '"timestamp"',
        '"id"',
        '"uuid"',
        '"\\u00e9"',
        '"é"',
        '"__proto__"',
        '""',
        '"other"',
      ),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(fc.array(member, { maxLength: 8 }), fc.boolean(), (members, spaced) => {
        const gap = spaced ? ' ' : '';
        const text = `{${gap}${members.map(([key, value]) => `${key}${gap}:${gap}${JSON.stringify(value)}`).join(`,${gap}`)}${gap}}`;
        agrees(Buffer.from(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with JSON.parse on texts made of the grammar’s corners, valid or not', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }), (pieces) => {
        agrees(Buffer.from(`{${pieces.join('')}`));
        agrees(Buffer.from(pieces.join('')));
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees with JSON.parse when any byte of a record is changed (invalid UTF-8 included)', () => {
    const record = Buffer.from(
      JSON.stringify({
        logType: 'queries',
        timestamp: '2024-02-01T18:50:04.006938974Z',
        id: 7,
        msg: 'héllo ✓',
        n: [1.5, -0, true, null],
        o: { id: 'x' },
      }),
    );
    fc.assert(
      fc.property(
        fc.nat(record.length - 1),
        fc.nat(255),
        fc.nat(record.length - 1),
        fc.nat(255),
        (at, byte, at2, byte2) => {
          const mutated = Buffer.from(record);
          mutated[at] = byte;
          mutated[at2] = byte2;
          agrees(mutated);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('refuses what JSON.parse refuses and accepts what it accepts, corner by corner', () => {
    const invalid = [
      '',
      ' ',
      '{',
      '}',
      '{,}',
      '{"a"}',
      '{"a":}',
      '{"a" 1}',
      '{"a":1,}',
      '{"a":1}}',
      '{"a":1} x',
      '{"a":[1,]}',
      '{"a":[1}',
      '{"a":{]}',
      '{"a":tru}',
      '{"a":nulll}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":1.e5}',
      '{"a":-}',
      '{"a":1e}',
      '{"a":1e+}',
      '{"a":+1}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":"\\u12g4"}',
      '{"a":"b',
      '{"a":"b\u0001"}',
      '{"a\u0009":1}',
      "{'a':1}",
      '{a:1}',
      '{"a":1,,"b":2}',
      '\ufeff{}',
      '{"a":1}\u00a0',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"a":0x10}',
      '[]',
      '"x"',
      '1',
      'null',
    ];
    const valid = [
      '{}',
      ' {} ',
      '{\t"a"\r:\n1 }',
      '{"a":-0.0e-0}',
      '{"a":1E+2}',
      '{"a":"\\u00E9\\/\\b\\f\\n\\r\\t\\"\\\\"}',
      '{"a":"\u007f"}',
      '{"a":[[],{},[{}]]}',
      '{"":""}',
      '{"a":1e999}',
    ];
    for (const text of invalid) {
      agrees(Buffer.from(text));
      assert.equal(parsedObject(Buffer.from(text)), undefined, text);
    }
    for (const text of valid) {
      agrees(Buffer.from(text));
      assert.notEqual(parsedObject(Buffer.from(text)), undefined, text);
    }
  });

  it('reads the value of the last repeated key, and of keys written with escapes, as JSON.parse does', () => {
    const scanner = new FieldScanner(['logType', 'id']);
    const values: unknown[] = [];
    const text = '{"logType":"a","id":{"id":"nested"},"log\\u0054ype":"b","id":12.50}';
    assert.equal(scanValues(scanner, Buffer.from(text), 0, text.length, values), SCANNED_OBJECT);
    assert.deepEqual(values, ['b', 12.5]);
  });

  it('accepts nesting as deep as JSON.parse does', () => {
    const depth = 100_000;
    const text = `{"a":${'['.repeat(depth)}${']'.repeat(depth)},"id":1}`;
    const values: unknown[] = [];
    assert.equal(
      scanValues(new FieldScanner(['id']), Buffer.from(text), 0, text.length, values),
      SCANNED_OBJECT,
    );
    assert.deepEqual(values, [1]);
  });
});
