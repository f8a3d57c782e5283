import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fallbackRecordId } from '../../../lambda/core/records/id';
import { type OutboundContext, toOutboundRecord } from '../../../lambda/core/records/outbound';
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
    const { json, value, ...fields } = record;
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
      const record = toOutboundRecord(lineEvent(JSON.stringify({ logType, id: 'at-3' })), context);
      assert.equal(record.logType, 'activities', `logType ${JSON.stringify(logType)}`);
    }
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
