import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { hecEnvelopeOf, hecLogType, searchHitOf } from '../../../cli/detect/envelopes';
import {
  HEC_FILE_INVALID,
  RecordFileReader,
  SEARCH_HITS_FILE_INVALID,
} from '../../../cli/detect/record-file-reader';
import { readDetectionRecords, type DetectionObject } from '../../../lambda/core/detections/read-records';
import { SluiceError } from '../../../lambda/core/errors';

const OBJECT: DetectionObject = {
  source: {
    name: 'strongdm',
    format: 'auto',
    timestampField: 'timestamp',
    idFieldByLogType: { activities: 'id', queries: 'uuid' },
  },
  bucket: 'local',
  key: 'out/siem.ndjson',
  eTag: '100-1',
  logTypeFromKey: 'from-option',
  eventTime: new Date(Date.UTC(2024, 1, 1, 13, 0, 30)),
  maxRecordBytes: 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
};

/** No logType field of its own: the log type comes from around it, else from the option. */
const QUERY = { uuid: 'q-1', query: 'select 1', timestamp: '2024-02-01T13:00:01Z' };
const NO_ID = { query: 'drop table t', timestamp: '2024-02-01T13:00:02Z' };

const hec = (event: object, sourcetype = 'strongdm:queries') =>
  JSON.stringify({
    time: 1706792401,
    host: 'forwarder',
    source: 's3://audit/sdm/logs/queries/2024/02/01/13/00/a.json',
    sourcetype,
    index: 'main',
    event,
  });
const hit = (source: object, id?: string) =>
  JSON.stringify({
    _index: '.ds-logs-strongdm.queries-default-2024.02.01-000001',
    _type: '_doc',
    ...(id ? { _id: id } : {}),
    _score: 1,
    _source: source,
  });

async function* chunks(body: Buffer): AsyncGenerator<Uint8Array> {
  // Small chunks: envelopes fall across chunk boundaries.
  for (let at = 0; at < body.length; at += 29) yield body.subarray(at, at + 29);
}

async function read(text: string | Buffer, source = 'strongdm') {
  const reader = new RecordFileReader(source);
  const records: { id: string; offset: number; logType: string; value: unknown }[] = [];
  let invalid = 0;
  for await (const chunk of readDetectionRecords(chunks(Buffer.from(text)), OBJECT, reader.select)) {
    invalid += chunk.invalid;
    for (const record of chunk.records)
      records.push({
        id: reader.idOf(record.offset) ?? record.id,
        offset: record.offset,
        logType: record.logType,
        value: record.value,
      });
  }
  reader.finish();
  return { records, invalid, format: reader.format, otherSourcetypes: reader.otherSourcetypes };
}

async function refusal(text: string, code: string): Promise<{ message: string; offset: unknown }> {
  try {
    await read(text);
  } catch (error) {
    assert.ok(error instanceof SluiceError && error.code === code, String(error));
    return { message: error.message, offset: error.context.offset };
  }
  return assert.fail('the file was read');
}

describe('record files sluice detect test reads as what a destination was sent', () => {
  it('recognise HEC events strictly: an object event, a sourcetype, only the fields HEC defines', () => {
    assert.deepEqual(hecEnvelopeOf(JSON.parse(hec(QUERY))), {
      event: QUERY,
      sourcetype: 'strongdm:queries',
      source: 's3://audit/sdm/logs/queries/2024/02/01/13/00/a.json',
    });
    assert.ok(hecEnvelopeOf({ time: '1706792401.123', sourcetype: 'x', event: {}, fields: { a: '1' } }));
    // Records with an `event` field of their own stay records.
    assert.equal(hecEnvelopeOf({ event: { type: 'login' }, user: 'alice', sourcetype: 'x' }), undefined);
    assert.equal(hecEnvelopeOf({ event: { type: 'login' } }), undefined, 'no sourcetype');
    assert.equal(hecEnvelopeOf({ sourcetype: 'x', event: 'a line of text' }), undefined);
    assert.equal(hecEnvelopeOf({ sourcetype: 'x', event: {}, time: 'yesterday' }), undefined);
    assert.equal(hecEnvelopeOf({ sourcetype: 'x', event: {}, host: 7 }), undefined);
  });

  it('take the log type from a sourcetype of the source read, else from the layout path of its source', () => {
    const envelope = hecEnvelopeOf(JSON.parse(hec(QUERY)))!;
    assert.deepEqual(hecLogType(envelope, 'strongdm'), { logType: 'queries' });
    assert.deepEqual(hecLogType(envelope, 'okta'), { otherSourcetype: 'strongdm:queries' });
    assert.deepEqual(hecLogType({ ...envelope, sourcetype: 'sdm_audit' }, 'strongdm'), {
      logType: 'queries',
    });
    assert.deepEqual(hecLogType({ event: {}, sourcetype: 'sdm_audit', source: 'http:input' }, 'strongdm'), {
      logType: undefined,
    });
  });

  it('recognise search hits strictly: an _index, an object _source, only the fields a hit has', () => {
    assert.deepEqual(searchHitOf(JSON.parse(hit(QUERY, 'q-1'))), { source: QUERY, id: 'q-1' });
    assert.ok(searchHitOf({ _index: 'i', _source: {}, sort: [1], fields: {} }));
    assert.equal(searchHitOf({ _index: 'i', _source: {}, user: 'alice' }), undefined);
    assert.equal(searchHitOf({ _source: {} }), undefined);
    assert.equal(searchHitOf({ _index: 'i', _source: [] }), undefined);
  });

  it('read a HEC file as its events, each with the log type its sourcetype names, at its line', async () => {
    const lines = [hec(QUERY), hec(NO_ID, 'strongdm:activities'), hec(NO_ID, 'custom'), ''];
    const text = lines.join('\n');
    const { records, invalid, format, otherSourcetypes } = await read(text);
    assert.equal(format, 'splunk-hec');
    assert.equal(invalid, 0);
    assert.deepEqual(
      records.map(({ offset, logType, value }) => ({ offset, logType, value })),
      [
        { offset: 0, logType: 'queries', value: QUERY },
        { offset: lines[0].length + 1, logType: 'activities', value: NO_ID },
        // A custom sourcetype: the layout path its source names.
        { offset: lines[0].length + lines[1].length + 2, logType: 'queries', value: NO_ID },
      ],
    );
    assert.equal(records[0].id, 'q-1', "the record's own id, as the forwarder gave it");
    assert.deepEqual(otherSourcetypes, []);
    assert.deepEqual((await read(gzipSync(text))).records, records, 'gzip alike');
  });

  it('leave the default log type to HEC events of another source, and name their sourcetype', async () => {
    const { records, otherSourcetypes } = await read(`${hec(NO_ID, 'okta:system')}\n`);
    assert.deepEqual(
      records.map((record) => record.logType),
      ['from-option'],
    );
    assert.deepEqual(otherSourcetypes, ['okta:system']);
  });

  it('read a file of search hits as their _source, each with its _id as record id', async () => {
    const text = `${hit({ ...QUERY, logType: 'queries' }, 'q-1')}\n${hit(NO_ID, 'forwarder-hash-7')}\n{not json\n`;
    const { records, invalid, format } = await read(text);
    assert.equal(format, 'elasticsearch-hits');
    assert.equal(invalid, 1, 'an unreadable line stays unreadable');
    assert.deepEqual(
      records.map(({ id, logType, value }) => ({ id, logType, value })),
      [
        { id: 'q-1', logType: 'queries', value: { ...QUERY, logType: 'queries' } },
        // The index is not read: Elasticsearch lower-cases it, so the log type may not be the record's.
        { id: 'forwarder-hash-7', logType: 'from-option', value: NO_ID },
      ],
    );
  });

  it('leave a file of records as it is, even with records shaped like envelopes later on', async () => {
    const text = `${JSON.stringify({ ...QUERY, event: { type: 'x' } })}\n${hec(QUERY)}\n${hit(QUERY)}\n`;
    const { records, format } = await read(text);
    assert.equal(format, 'records');
    assert.equal(records.length, 3);
  });

  it('refuse a file of envelopes with a line that is not one, at its offset', async () => {
    const record = JSON.stringify(QUERY);
    const hecLine = hec(QUERY);
    const mixedHec = await refusal(`${hecLine}\n${record}\n`, HEC_FILE_INVALID);
    assert.match(mixedHec.message, /^not a Splunk HEC event where one belongs/);
    assert.equal(mixedHec.offset, hecLine.length + 1);
    const hitLine = hit(QUERY);
    const mixedHits = await refusal(`${hitLine}\n${hitLine}\n${record}\n`, SEARCH_HITS_FILE_INVALID);
    assert.match(mixedHits.message, /^not an Elasticsearch search hit where one belongs/);
    assert.equal(mixedHits.offset, 2 * (hitLine.length + 1));
  });
});
