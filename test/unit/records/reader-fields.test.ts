import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ReadEvent, RecordFormat } from '../../../lambda/core/records/read-event';
import { cut, readAll } from './read-helpers';

const FIELDS = ['logType', 'timestamp', 'id'];

/** What a consumer can read of an event, as a plain object (scanned records compute text and value on demand). */
function plain(event: ReadEvent): Record<string, unknown> {
  if (event.kind === 'invalid') return { ...event };
  const { kind, offset, length, text, value, bytes, singleLine } = event;
  return { kind, offset, length, text, value, bytes: Buffer.from(bytes), singleLine };
}

/** NDJSON-ish bytes: records with the wanted fields (repeated, escaped, nested), broken lines, stray bytes. */
const piece = fc.oneof(
  fc.constantFrom(
    '{"logType":"queries","timestamp":"2024-02-01T18:50:04.006938974Z","id":"a1"}',
    '{"log\\u0054ype":"activities","id":12.50,"timestamp":1706813404000}',
    '{"id":{"id":"nested"},"id":"last","msg":"héllo ✓ 🚀"}',
    '{"logType":["not","a","string"],"timestamp":null}',
    '{"big":12345678901234567890,"esc":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\ud83d"}',
    '{"Records":[{"eventTime":"2024-02-01T18:50:04Z","id":"r1"},{"logType":"x","id":2}]}',
    '{"a":1,}',
    '[1,2]',
    '"text"',
    '{',
    '}',
    '\n',
    '\r\n',
    ' ',
    '\t',
    '{"k":',
    'é',
  ),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  // Bytes that are not UTF-8, inside and outside strings.
  fc.constantFrom('\u0080', '\u00ff').map((latin1) => latin1),
);

const messy = fc
  .array(fc.tuple(piece, fc.boolean()), { maxLength: 40 })
  .map((parts) =>
    Buffer.concat(
      parts.map(([text, invalidUtf8]) =>
        invalidUtf8 && text.length > 2
          ? Buffer.concat([Buffer.from(text.slice(0, 2)), Buffer.from([0xc3]), Buffer.from(text.slice(2))])
          : Buffer.from(text, text === '\u0080' || text === '\u00ff' ? 'latin1' : 'utf8'),
      ),
    ),
  );

describe('reading records for a few fields only', () => {
  it('gives the same events as reading them whole, and the fields their parsed value has', async () => {
    await fc.assert(
      fc.asyncProperty(
        messy,
        fc.constantFrom<RecordFormat>('auto', 'ndjson', 'concatenated', 'records-array'),
        fc.array(fc.nat(4_000), { maxLength: 6 }),
        fc.nat(200),
        async (data, format, points, skipBefore) => {
          const chunks = cut(data, points);
          const whole = await readAll(chunks, { format, skipBefore });
          const scanned = await readAll(chunks, { format, skipBefore, fields: FIELDS });
          assert.deepStrictEqual(scanned.map(plain), whole.map(plain));
          for (const event of scanned) {
            if (event.kind !== 'record' || event.field === undefined) continue;
            assert.deepStrictEqual(event.fieldNames, FIELDS);
            FIELDS.forEach((name, index) => {
              const has = Object.hasOwn(event.value, name);
              assert.equal(event.hasField!(index), has, name);
              assert.deepStrictEqual(event.field!(index), has ? event.value[name] : undefined, name);
            });
            assert.equal(
              event.ascii,
              event.bytes.every((byte) => byte < 0x80),
            );
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
