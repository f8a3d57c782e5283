import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fallbackRecordId } from '../../../lambda/core/records/id';
import { EventFactory } from '../../../lambda/core/records/event-factory';
import { type OutboundContext, recordFields, toOutboundRecord } from '../../../lambda/core/records/outbound';
import type { RecordEvent } from '../../../lambda/core/records/read-event';

const context: OutboundContext = {
  source: 'strongdm',
  bucket: 'audit-logs',
  key: 'sdm/logs/activities/2024/02/01/18/50/0f8e.json',
  eTag: 'etag-1',
  logTypeFromKey: 'activities',
  timestampField: 'timestamp',
  idFieldByLogType: { activities: 'id', queries: 'uuid' },
  eventTime: new Date('2024-02-01T18:51:00.123Z'),
};

function lineEvent(text: string, offset = 0): RecordEvent {
  return {
    kind: 'record',
    offset,
    length: Buffer.byteLength(text),
    text,
    bytes: Buffer.from(text),
    value: JSON.parse(text),
    singleLine: true,
  };
}

describe('toOutboundRecord', () => {
  it('forwards a single-line record as the vendor wrote it, with its own id and timestamp', () => {
    const text =
      '{"id":"at-1", "logType":"activities",  "timestamp":"2024-02-01T18:50:04.782960647Z","x":1.0}';
    const record = toOutboundRecord(lineEvent(text, 120), context);
    const { json, value, detectionNote, ...fields } = record;
    assert.equal(detectionNote, undefined, 'nothing noted until a detections stage notes it');
    assert.equal(json, text);
    assert.deepEqual(value, JSON.parse(text));
    assert.deepEqual(fields, {
      id: 'at-1',
      offset: 120,
      source: 'strongdm',
      logType: 'activities',
      bucket: 'audit-logs',
      key: context.key,
      timestamp: {
        iso: '2024-02-01T18:50:04.782960647Z',
        epochSeconds: '1706813404.782960647',
        epochMillis: 1706813404782,
      },
      bytes: Buffer.from(text),
    });
  });

  it('keeps a numeric id beyond 2^53 as its digits, so two 64-bit ids stay two records', () => {
    // JSON.parse reads both as 9007199254740992: one id, and Elasticsearch would answer the second 409.
    const ids = ['9007199254740993', '9007199254740992', '-9007199254740995'].map(
      (id) => toOutboundRecord(lineEvent(`{"id":${id},"logType":"activities"}`), context).id,
    );
    assert.deepEqual(ids, ['9007199254740993', '9007199254740992', '-9007199254740995']);
    assert.equal(
      toOutboundRecord(lineEvent('{\n "id" : 9007199254740993 ,\n "id": 18446744073709551615\n}'), context)
        .id,
      '18446744073709551615',
      'the last of duplicate keys, as JSON.parse keeps it, from a pretty-printed record',
    );
    assert.equal(toOutboundRecord(lineEvent('{"id":42}'), context).id, '42', 'a safe integer is its number');
    assert.equal(toOutboundRecord(lineEvent('{"id":12.50}'), context).id, '12.5', 'a fraction is its number');
  });

  it('writes a pretty-printed record as one compact line', () => {
    const text = '{\n    "id": "at-2",\n    "entities": [\n        {"type": "user"}\n    ]\n}';
    const record = toOutboundRecord({ ...lineEvent(text), singleLine: false }, context);
    assert.equal(record.json, '{"id":"at-2","entities":[{"type":"user"}]}');
  });

  it("takes the log type from the record's logType field when it is a valid log type", () => {
    const record = toOutboundRecord(lineEvent('{"logType":"queries","uuid":"q-7"}'), context);
    assert.equal(record.logType, 'queries');
    assert.equal(record.id, 'q-7', "the id field is the record's log type's");
  });

  it("falls back to the key's log type when the record's logType is missing or not a valid log type", () => {
    for (const logType of [undefined, '', '../escape', 'a/b', 42, 'x'.repeat(65)]) {
      // Each after a record with a valid one: the log type of the record before decides nothing.
      assert.equal(toOutboundRecord(lineEvent('{"logType":"queries"}'), context).logType, 'queries');
      const record = toOutboundRecord(lineEvent(JSON.stringify({ logType, id: 'at-3' })), context);
      assert.equal(record.logType, 'activities', `logType ${JSON.stringify(logType)}`);
    }
  });

  it('sends the bytes as written when they are valid UTF-8, U+FFFD written in them included', () => {
    for (const text of ['{"id":"é-1","note":"日本 🙂"}', '{"id":"r-1","note":"\ufffd as such"}']) {
      const bytes = Buffer.from(text);
      const chunk = Buffer.concat([bytes, Buffer.from('\n')]);
      const event = { ...lineEvent(text), bytes: chunk.subarray(0, bytes.length) };
      const record = toOutboundRecord(event, context);
      assert.equal(record.json, text);
      assert.equal(record.bytes.buffer, chunk.buffer, 'a view of the bytes read, not a copy');
    }
  });

  it('sends any bytes as written exactly when they are valid UTF-8', () => {
    // Bytes above 0x7f, where UTF-8 can be invalid, inside a JSON string (quotes and backslashes left out).
    const inner = fc
      .uint8Array({ maxLength: 12 })
      .map((array) =>
        Buffer.from(
          array.map((byte, index) =>
            index % 2 === 0 ? byte | 0x80 : byte === 0x22 || byte === 0x5c || byte < 0x20 ? 0x41 : byte,
          ),
        ),
      );
    fc.assert(
      fc.property(inner, (middle) => {
        const bytes = Buffer.concat([Buffer.from('{"id":"x","text":"'), middle, Buffer.from('"}')]);
        const text = bytes.toString('utf8');
        const record = toOutboundRecord({ ...lineEvent(text), bytes, length: bytes.length }, context);
        assert.equal(record.bytes === bytes, isUtf8(bytes));
        assert.deepEqual(record.bytes, isUtf8(bytes) ? bytes : Buffer.from(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('sends a record whose bytes are not valid UTF-8 as decoded, with U+FFFD for the bad bytes', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"id":"bad","text":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const text = bytes.toString('utf8');
    const record = toOutboundRecord({ ...lineEvent(text), bytes, length: bytes.length }, context);
    assert.equal(record.json, '{"id":"bad","text":"\ufffd(\ufffd"}');
    assert.deepEqual(record.bytes, Buffer.from(record.json));
  });

  it('falls back to an id from the object and offset when the log type names no id field or the id is unusable', () => {
    const expected = fallbackRecordId({
      bucket: 'audit-logs',
      key: context.key,
      eTag: 'etag-1',
      offset: 55,
    });
    for (const text of ['{"logType":"replays","id":"r-1"}', '{"id":""}', '{"logType":"constructor"}', '{}']) {
      assert.equal(toOutboundRecord(lineEvent(text, 55), context).id, expected, text);
    }
    // An id field named like an inherited property: the record has no such field of its own.
    const inherited = { ...context, idFieldByLogType: { activities: 'toString' } };
    assert.equal(toOutboundRecord(lineEvent('{"logType":"activities"}', 55), inherited).id, expected);
  });

  it("uses the notification's event time when the record has no usable timestamp", () => {
    for (const text of ['{}', '{"timestamp":"soon"}', '{"timestamp":null}']) {
      assert.deepEqual(toOutboundRecord(lineEvent(text), context).timestamp, {
        iso: '2024-02-01T18:51:00.123Z',
        epochSeconds: '1706813460.123',
        epochMillis: 1706813460123,
      });
    }
  });

  it('reads the timestamp from the configured field', () => {
    const record = toOutboundRecord(lineEvent('{"timestamp":"2000-01-01T00:00:00Z","ts":1706813404}'), {
      ...context,
      timestampField: 'ts',
    });
    assert.equal(record.timestamp.iso, '2024-02-01T18:50:04Z');
  });
});

describe('toOutboundRecord of a record read for its fields only', () => {
  it('is the record built from the parsed record, byte for byte', () => {
    const factory = new EventFactory(1024 * 1024, 0, recordFields(context));
    const lines = [
      '{"id":"at-1","logType":"activities","timestamp":"2024-02-01T18:50:04.782960647Z"}',
      '{"uuid":"q-1","logType":"queries","timestamp":1706813404123}',
      '{"uuid":12.50,"log\\u0054ype":"queries","timestamp":"1706813404.5"}',
      '{"id":"x","logType":"activities","id":"last","timestamp":"2024-02-01 18:50:04+02:00"}',
      `{"id":"${'é'.repeat(101)}","timestamp":"not a time"}`,
      '{"id":null,"logType":"bad type!","timestamp":[1]}',
      '{"logType":{"nested":1},"msg":"héllo ✓ 🚀"}',
      '{"id":"ü-\\u00fc","msg":"\\ud83d\\ude80"}',
      '{\n  "id": "pretty",\n  "timestamp": 1706813404\n}',
      '{"id":9007199254740993,"logType":"activities"}',
    ];
    const cases = lines.map((line) => Buffer.from(line));
    // Bytes that are not UTF-8 inside a string: the record goes out decoded.
    cases.push(Buffer.concat([Buffer.from('{"id":"bad-'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    for (const bytes of cases) {
      const singleLine = !bytes.includes(0x0a);
      const scanned = factory.fromBytes(bytes, 0, bytes.length, 40, singleLine);
      assert.equal(scanned.kind, 'record');
      assert.ok((scanned as RecordEvent).field, 'read for its fields');
      const parsed: RecordEvent = {
        ...lineEvent(bytes.toString('utf8'), 40),
        bytes,
        length: bytes.length,
        singleLine,
      };
      const { value: scannedValue, ...fromFields } = toOutboundRecord(scanned as RecordEvent, context);
      const { value: parsedValue, ...fromParsed } = toOutboundRecord(parsed, context);
      assert.deepStrictEqual(
        { ...fromFields, json: fromFields.json, bytes: Buffer.from(fromFields.bytes) },
        { ...fromParsed, json: fromParsed.json, bytes: Buffer.from(fromParsed.bytes) },
        bytes.toString('utf8'),
      );
      assert.deepStrictEqual(scannedValue, parsedValue);
    }
  });
});
