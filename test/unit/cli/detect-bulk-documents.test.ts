import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { BULK_FILE_INVALID, BulkDocuments, bulkActionOf } from '../../../cli/detect/bulk-documents';
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
  key: 'out/bulk.ndjson',
  eTag: '100-1',
  logTypeFromKey: 'unknown',
  eventTime: new Date(Date.UTC(2024, 1, 1, 13, 0, 30)),
  maxRecordBytes: 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
};

const QUERY = '{"logType":"queries","uuid":"q-1","query":"select 1","timestamp":"2024-02-01T13:00:01Z"}';
const NO_ID = '{"logType":"queries","query":"drop table t","timestamp":"2024-02-01T13:00:02Z"}';

async function* chunks(body: Buffer): AsyncGenerator<Uint8Array> {
  // Small chunks: an action line and its document often fall in different ones.
  for (let at = 0; at < body.length; at += 23) yield body.subarray(at, at + 23);
}

async function read(text: string | Buffer) {
  const bulk = new BulkDocuments();
  const records: { id: string; offset: number; logType: string }[] = [];
  let invalid = 0;
  for await (const chunk of readDetectionRecords(chunks(Buffer.from(text)), OBJECT, bulk.select)) {
    invalid += chunk.invalid;
    for (const record of chunk.records)
      records.push({
        id: bulk.idOf(record.offset) ?? record.id,
        offset: record.offset,
        logType: record.logType,
      });
  }
  bulk.finish();
  return { records, invalid, bulk: bulk.isBulk };
}

async function refusal(text: string): Promise<{ message: string; offset: unknown }> {
  try {
    await read(text);
  } catch (error) {
    assert.ok(error instanceof SluiceError && error.code === BULK_FILE_INVALID, String(error));
    return { message: error.message, offset: error.context.offset };
  }
  return assert.fail('the file was read');
}

describe('Elasticsearch _bulk files read by sluice detect test', () => {
  it('recognise action lines strictly: one action key holding only metadata', () => {
    assert.deepEqual(bulkActionOf({ create: { _index: 'logs-strongdm.queries-default', _id: 'q-1' } }), {
      action: 'create',
      id: 'q-1',
    });
    assert.deepEqual(bulkActionOf({ index: {} }), { action: 'index', id: undefined });
    assert.deepEqual(bulkActionOf({ index: { _index: 'x', pipeline: 'p', routing: 'r' } }), {
      action: 'index',
      id: undefined,
    });
    // Records that merely have such a field are records.
    assert.equal(bulkActionOf({ index: { name: 'orders' } }), undefined);
    assert.equal(bulkActionOf({ index: 'orders' }), undefined);
    assert.equal(bulkActionOf({ create: { _id: 'x' }, timestamp: '2024-02-01T13:00:00Z' }), undefined);
  });

  it('read only the documents, each with its action line’s _id, across chunk boundaries', async () => {
    const action = (id: string) => `{"create":{"_index":"logs-strongdm.queries-default","_id":"${id}"}}`;
    const text = [
      action('q-1'),
      QUERY,
      action('forwarder-hash-7'),
      NO_ID,
      '{"delete":{"_id":"gone"}}',
      '',
    ].join('\n');
    const { records, invalid, bulk } = await read(text);
    assert.equal(bulk, true);
    assert.equal(invalid, 0);
    assert.deepEqual(records, [
      { id: 'q-1', offset: text.indexOf(QUERY), logType: 'queries' },
      // Without an id of its own, the record keeps the forwarder's (its _id), not one of this file.
      { id: 'forwarder-hash-7', offset: text.indexOf(NO_ID), logType: 'queries' },
    ]);
    const zipped = await read(gzipSync(text));
    assert.deepEqual(zipped.records, records, 'gzip alike');
  });

  it('leave a file of records as it is, even with a record that looks like an action later on', async () => {
    const text = `${QUERY}\n{"index":{}}\n${NO_ID}\n`;
    const { records, bulk } = await read(text);
    assert.equal(bulk, false);
    assert.equal(records.length, 3);
  });

  it('count an unreadable document as unreadable, and keep the pairs in step', async () => {
    const text = `{"index":{"_id":"a"}}\n{not json\n{"index":{"_id":"b"}}\n${QUERY}\n`;
    const { records, invalid } = await read(text);
    assert.equal(invalid, 1);
    assert.deepEqual(
      records.map((record) => record.id),
      ['b'],
    );
  });

  it('refuse what is not whole pairs, at the offending line’s offset', async () => {
    const action = '{"create":{"_id":"q-1"}}';
    const cut = await refusal(`${action}\n${QUERY}\n${action}\n`);
    assert.match(cut.message, /^the file ends after a "create" action line, without its document$/);
    assert.equal(cut.offset, action.length + 1 + QUERY.length + 1);

    const twoActions = await refusal(`${action}\n${action}\n${QUERY}\n`);
    assert.match(twoActions.message, /^another action line where the document of the "create" action line/);
    assert.equal(twoActions.offset, action.length + 1);

    const mixed = await refusal(`${action}\n${QUERY}\n${NO_ID}\n`);
    assert.match(mixed.message, /^not a _bulk action line where one belongs/);
    assert.equal(mixed.offset, action.length + 1 + QUERY.length + 1);

    const update = await refusal(`{"update":{"_id":"q-1"}}\n{"doc":{"query":"x"}}\n`);
    assert.match(update.message, /^an "update" action: its document is a partial update, not a record$/);
    assert.equal(update.offset, 0);
  });
});
