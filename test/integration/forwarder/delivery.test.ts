import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type HecReceiver,
} from '../../support/receivers';
import {
  BUCKET,
  ES_API_KEY,
  HEC_TOKEN,
  splunkAndElastic,
  startPipeline,
  type Pipeline,
} from '../../support/pipeline';

const SOURCE = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };

function activity(index: number) {
  return {
    formatVersion: 'v1.0.0',
    id: `at-${String(index).padStart(6, '0')}`,
    logType: 'activities',
    activity: 'user logged into the Admin UI',
    actorEmail: 'alice.glick@example.com',
    description: 'Alice (ü) logged into the Admin UI.',
    timestamp: `2024-02-01T18:50:${String(index % 60).padStart(2, '0')}.782960647Z`,
  };
}

function query(index: number) {
  return {
    formatVersion: 'v1.0.0',
    logType: 'queries',
    query: 'select name from users',
    resourceName: 'MySQL',
    timestamp: '2024-02-01T13:13:20.895597162Z',
    uuid: `Q${String(index).padStart(6, '0')}`,
  };
}

const ndjson = (records: object[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';
const pretty = (records: object[]) =>
  records.map((record) => JSON.stringify(record, null, 4)).join('\n') + '\n';
const key = (logType: string, name: string) => `sdm/logs/${logType}/2024/02/01/18/50/${name}`;

describe('the forwarder on moto, delivering to local HEC and _bulk receivers', () => {
  let pipeline: Pipeline;
  let hec: HecReceiver;
  let bulk: BulkReceiver;

  before(async () => {
    pipeline = await startPipeline();
    hec = await startHecReceiver({ token: HEC_TOKEN });
    bulk = await startBulkReceiver({ auth: { apiKey: ES_API_KEY }, dataStreams: true });
  });
  after(async () => {
    await Promise.all([hec.close(), bulk.close()]);
    await pipeline.stop();
  });
  beforeEach(async () => {
    hec.clear();
    bulk.clear();
    await pipeline.purge();
  });

  function config(extra: { hec?: object; es?: object } = {}) {
    return splunkAndElastic(pipeline, { hec: hec.url, bulk: bulk.url }, extra);
  }

  async function dlqDepth(): Promise<number> {
    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  it('delivers every record of NDJSON, pretty-printed and gzip objects to both destinations', async () => {
    const handler = pipeline.handlerFor(config());
    await pipeline.putObject(key('activities', 'plain.json'), ndjson([0, 1, 2].map(activity)));
    await pipeline.putObject(key('activities', 'pretty.json'), pretty([3, 4].map(activity)));
    await pipeline.putObject(key('queries', 'zipped.json.gz'), gzipSync(ndjson([0, 1, 2, 3].map(query))));
    await pipeline.putObject(
      'sdm/logs/test',
      JSON.stringify({ logType: 'activities', timestamp: '0001-01-01T00:00:00Z' }),
    );

    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    // 3 objects + the vendor test object
    assert.equal(drained.received, 4);

    assert.equal(hec.events.length, 9, 'the vendor test object is never forwarded');
    const first = hec.events.find((event) => (event.event as { id?: string }).id === 'at-000000');
    assert.deepEqual(
      { sourcetype: first?.sourcetype, source: first?.source, index: first?.index },
      {
        sourcetype: 'strongdm:activities',
        source: `s3://${BUCKET}/${key('activities', 'plain.json')}`,
        index: 'security',
      },
    );
    assert.match(String(first?.time), /^1706813400\.78296/, 'epoch seconds with the sub-second part');
    assert.equal(hec.lastHeaders?.['content-encoding'], 'gzip');

    const activities = bulk.documents('logs-strongdm.activities-default');
    const queries = bulk.documents('logs-strongdm.queries-default');
    assert.equal(activities.length, 5);
    assert.equal(queries.length, 4);
    assert.ok(bulk.document('logs-strongdm.activities-default', 'at-000003'), 'the record id is the _id');
    assert.equal(
      (bulk.document('logs-strongdm.queries-default', 'Q000002') as { '@timestamp': string })['@timestamp'],
      '2024-02-01T13:13:20.895597162Z',
    );
    assert.equal(await dlqDepth(), 0);
  });

  it('sends each record to Elasticsearch exactly once when a notification is delivered twice', async () => {
    const handler = pipeline.handlerFor(config());
    const body = ndjson([10, 11, 12].map(activity));
    await pipeline.putObject(key('activities', 'twice.json'), body);
    await pipeline.drain(handler);
    // S3 delivers notifications at least once; writing the same bytes again makes the same record ids.
    const versions = bulk.counters.created;
    await pipeline.purge();
    await pipeline.putObject(key('activities', 'twice.json'), body);
    await pipeline.drain(handler);
    assert.equal(versions, 3);
    assert.equal(bulk.counters.created, 3, 'no new document');
    assert.equal(bulk.counters.duplicates, 3, 'the second pass was answered 409 and counted as delivered');
    assert.equal(bulk.documents('logs-strongdm.activities-default').length, 3);
  });

  it('splits a hand-built message naming several objects into one message each, delivering every record once', async () => {
    const handler = pipeline.handlerFor(config());
    const names = Array.from({ length: 12 }, (_, n) => `split-${n}.json`);
    // Written without notifications reaching the handler first: the queue is purged, then one message
    // names all twelve, as an operator's script might send it.
    for (const [n, name] of names.entries()) {
      await pipeline.putObject(key('activities', name), ndjson([activity(100 + n)]));
    }
    await pipeline.purge();
    await pipeline.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.queueUrl,
        MessageBody: JSON.stringify({
          Records: names.map((name) => ({
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            eventTime: '2024-02-01T19:00:00.000Z',
            s3: { bucket: { name: BUCKET }, object: { key: key('activities', name), size: 1 } },
          })),
        }),
      }),
    );
    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    assert.equal(drained.received, 13, 'the message, then one message per object');
    assert.equal(hec.events.length, 12);
    assert.equal(bulk.counters.created, 12);
    assert.equal(bulk.counters.duplicates, 0);
  });

  it('retries busy HEC answers and per-item 429s until everything is delivered', async () => {
    const handler = pipeline.handlerFor(config());
    hec.injectFaults('busy', 'reset', 'busy');
    bulk.injectFaults({ rejectItems: [0, 2] }, 'throttle');
    await pipeline.putObject(key('activities', 'faults.json'), ndjson([20, 21, 22, 23].map(activity)));
    const drained = await pipeline.drain(handler);
    assert.equal(drained.failed, 0);
    assert.equal(hec.events.length, 4);
    assert.equal(bulk.documents('logs-strongdm.activities-default').length, 4);
    assert.ok(bulk.counters.itemRejections >= 2);
  });

  it('quarantines the event HEC refuses and resends only the events after it', async () => {
    const handler = pipeline.handlerFor(config());
    hec.injectFaults({ acceptFirst: 2 });
    await pipeline.putObject(key('activities', 'partial.json'), ndjson([30, 31, 32, 33, 34].map(activity)));
    await pipeline.drain(handler);
    const ids = hec.events.map((event) => (event.event as { id: string }).id);
    assert.deepEqual(ids, ['at-000030', 'at-000031', 'at-000033', 'at-000034']);
    const quarantined = await quarantineLines();
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].destination, 'splunk');
    assert.equal(quarantined[0].code, 'HEC_INVALID_EVENT');
    assert.equal(quarantined[0].recordId, 'at-000032');
  });

  it('quarantines an unreadable line with its byte offset and delivers the rest of the object', async () => {
    const handler = pipeline.handlerFor(config());
    const good = ndjson([40].map(activity));
    await pipeline.putObject(
      key('activities', 'bad-line.json'),
      `${good}{"oops": tru\n${ndjson([41].map(activity))}`,
    );
    await pipeline.drain(handler);
    assert.equal(hec.events.length, 2);
    assert.equal(bulk.documents().length, 2);
    const quarantined = (await quarantineLines()).filter((line) => line.code === 'INVALID_JSON');
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].offset, Buffer.byteLength(good));
    assert.equal(quarantined[0].key, key('activities', 'bad-line.json'));
  });

  it('moves a notification to the DLQ after maxReceiveCount when a destination stays down, without resending to the healthy one', async () => {
    const handler = pipeline.handlerFor(config());
    bulk.setAuth({ apiKey: 'rotated-elsewhere' });
    try {
      await pipeline.putObject(key('activities', 'es-down.json'), ndjson([50, 51].map(activity)));
      const drained = await pipeline.drain(handler, { remainingMs: 3_000 });
      assert.ok(drained.failed >= 5, `failed ${drained.failed} times`);
      assert.equal(await dlqDepth(), 1);
      assert.equal(hec.events.length, 2, 'Splunk received each record once, though the message was retried');
      assert.equal(bulk.documents().length, 0);
    } finally {
      bulk.setAuth({ apiKey: ES_API_KEY });
    }
  });

  it('continues a long object in new messages when time runs short, delivering each record exactly once', async () => {
    const slowBulk = await startBulkReceiver({ auth: { apiKey: ES_API_KEY }, delayMs: 100 });
    try {
      const handler = pipeline.handlerFor({
        sources: [SOURCE],
        destinations: [
          {
            type: 'elasticsearch',
            name: 'elastic',
            url: slowBulk.url,
            auth: { type: 'api-key', secretArn: pipeline.secretArns.es },
            maxBatchRecords: 50,
            maxConcurrency: 1,
          },
        ],
      });
      const records = Array.from({ length: 1000 }, (_, index) => activity(1000 + index));
      await pipeline.putObject(key('activities', 'long.json'), ndjson(records));
      // 20 requests of 100 ms each cannot fit in one 1.5 s invocation.
      // maxPolls is a ceiling: a busy machine fits fewer requests in each invocation, so needs more.
      const drained = await pipeline.drain(handler, { remainingMs: 1_500, maxPolls: 400 });
      assert.equal(drained.failed, 0);
      assert.ok(
        drained.received >= 2,
        `${drained.received} messages: the notification and at least one continuation`,
      );
      assert.equal(slowBulk.documents().length, 1000);
      assert.equal(slowBulk.counters.duplicates, 0, 'no record was sent twice');
    } finally {
      await slowBulk.close();
    }
  });

  async function quarantineLines(): Promise<Record<string, unknown>[]> {
    const listed = await pipeline.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sluice/quarantine/' }),
    );
    const lines: Record<string, unknown>[] = [];
    for (const object of listed.Contents ?? []) {
      const response = await pipeline.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: object.Key! }));
      const text = await response.Body!.transformToString();
      for (const line of text.trim().split('\n')) lines.push(JSON.parse(line));
    }
    await Promise.all(
      (listed.Contents ?? []).map((object) =>
        pipeline.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: object.Key })),
      ),
    );
    return lines;
  }
});
