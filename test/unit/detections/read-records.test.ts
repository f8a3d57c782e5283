import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { readDetectionRecords, type DetectionObject } from '../../../lambda/core/detections/read-records';
import type { DetectionRecord } from '../../../lambda/core/detections/records';
import { toOutboundRecord } from '../../../lambda/core/records/outbound';
import { readRecords } from '../../../lambda/core/records/reader';

const OBJECT: DetectionObject = {
  source: {
    name: 'strongdm',
    format: 'auto',
    timestampField: 'timestamp',
    idFieldByLogType: { activities: 'id', queries: 'uuid' },
  },
  bucket: 'logs',
  key: 'sdm/logs/queries/2024/02/01/13/00/a.json',
  eTag: 'abc123',
  logTypeFromKey: 'queries',
  eventTime: new Date(Date.UTC(2024, 1, 1, 13, 0, 30)),
  maxRecordBytes: 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
};

const LINES = [
  '{"logType":"queries","uuid":"q-1","query":"select 1","timestamp":"2024-02-01T13:00:01.123456789Z"}',
  '{"logType":"activities","id":"at-1","activity":"user logged into the Admin UI","timestamp":"2024-02-01T13:00:02Z"}',
  '{"query":"no id, no time, no log type"}',
  '{not json',
];

async function* bytes(body: Buffer): AsyncGenerator<Uint8Array> {
  // Cut in small chunks, as a network read would.
  for (let at = 0; at < body.length; at += 37) yield body.subarray(at, at + 37);
}

async function read(body: Buffer): Promise<{ records: DetectionRecord[]; invalid: number }> {
  const records: DetectionRecord[] = [];
  let invalid = 0;
  for await (const chunk of readDetectionRecords(bytes(body), OBJECT)) {
    records.push(...chunk.records);
    invalid += chunk.invalid;
  }
  return { records, invalid };
}

describe('records read for detection', () => {
  it('carry the ids, log types and event times the forwarder gives the same records', async () => {
    const body = Buffer.from(`${LINES.join('\n')}\n`);
    const forwarded = [];
    for await (const event of readRecords(bytes(body), {
      format: 'auto',
      maxRecordBytes: 1 << 20,
      maxDecompressedBytes: 1 << 26,
    })) {
      if (event.kind === 'record')
        forwarded.push(
          toOutboundRecord(event, {
            ...OBJECT,
            source: 'strongdm',
            idFieldByLogType: OBJECT.source.idFieldByLogType,
            timestampField: 'timestamp',
          }),
        );
    }
    const { records, invalid } = await read(body);
    assert.equal(invalid, 1, 'the line that is no JSON');
    assert.deepEqual(
      records.map((record) => [record.id, record.logType, record.eventTimeMs, record.offset]),
      forwarded.map((record) => [record.id, record.logType, record.timestamp.epochMillis, record.offset]),
    );
    assert.deepEqual(
      records.slice(0, 2).map((record) => record.id),
      ['q-1', 'at-1'],
    );
    assert.equal(records[2].logType, 'queries', 'from the key');
    assert.equal(records[2].eventTimeMs, OBJECT.eventTime.getTime(), 'when S3 stored the object');
    assert.deepEqual(records[0].value, JSON.parse(LINES[0]));
    assert.equal(records[1].key, OBJECT.key);
  });

  it('read gzip and pretty-printed JSON alike', async () => {
    const plain = await read(Buffer.from(`${LINES.slice(0, 3).join('\n')}\n`));
    const gzip = await read(gzipSync(`${LINES.slice(0, 3).join('\n')}\n`));
    assert.deepEqual(gzip.records, plain.records);
    const pretty = await read(
      Buffer.from(
        LINES.slice(0, 2)
          .map((line) => JSON.stringify(JSON.parse(line), null, 2))
          .join('\n'),
      ),
    );
    assert.deepEqual(
      pretty.records.map((record) => [record.id, record.eventTimeMs]),
      plain.records.slice(0, 2).map((record) => [record.id, record.eventTimeMs]),
    );
  });
});
