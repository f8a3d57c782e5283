import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../../lambda/core/config/load';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type HecReceiver,
} from '../../support/receivers';
import { BUCKET, ES_API_KEY, HEC_TOKEN, startPipeline, type Pipeline } from '../../support/pipeline';

/**
 * Each vendor preset end to end on moto: objects written in the vendor's layout, S3 notifications,
 * the forwarder, local HEC and `_bulk` receivers. Every record arrives once with the vendor's id and
 * time; what holds no logs (Cloudflare's ownership challenge, CloudTrail digests) is never forwarded.
 */
const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/records', name));

const TRAIL = 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail';
const SOURCES = [
  {
    name: 'github',
    prefix: '',
    preset: 'github-enterprise',
    principals: ['arn:aws:iam::111122223333:role/github-audit-log-streaming'],
  },
  { name: 'cf-http', prefix: 'cloudflare/http', preset: 'cloudflare-logpush', logType: 'http_requests' },
  { name: 'cloudtrail', prefix: 'cloudtrail', preset: 'cloudtrail', trailArns: [TRAIL] },
];

const CLOUDTRAIL_FOLDER = 'cloudtrail/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/01';
const CLOUDTRAIL_KEY = `${CLOUDTRAIL_FOLDER}/111122223333_CloudTrail_eu-west-1_20240201T1850Z_Ab12Cd34Ef56Gh78.json.gz`;
const DIGEST_KEY =
  'cloudtrail/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/02/01/111122223333_CloudTrail-Digest_eu-west-1_org-trail_eu-west-1_20240201T185131Z.json.gz';

describe('vendor presets end to end: the forwarder on moto, delivering to local HEC and _bulk receivers', () => {
  let pipeline: Pipeline;
  let hec: HecReceiver;
  let bulk: BulkReceiver;

  before(async () => {
    const keyPrefixes = parseConfig({ sources: SOURCES }).sources.flatMap((source) => source.keyPrefixes);
    pipeline = await startPipeline({ keyPrefixes });
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

  const handler = () =>
    pipeline.handlerFor({
      sources: SOURCES,
      destinations: [
        { type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn: pipeline.secretArns.hec },
        {
          type: 'elasticsearch',
          name: 'elastic',
          url: bulk.url,
          auth: { type: 'api-key', secretArn: pipeline.secretArns.es },
        },
      ],
    });

  async function quiet(): Promise<void> {
    const quarantined = await pipeline.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sluice/quarantine/' }),
    );
    assert.equal(quarantined.KeyCount ?? 0, 0, 'nothing quarantined');
    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    assert.equal(Number(Attributes?.ApproximateNumberOfMessages ?? 0), 0, 'nothing in the DLQ');
  }

  const timesBySourcetype = (sourcetype: string) =>
    hec.events.filter((event) => event.sourcetype === sourcetype).map((event) => String(event.time));

  it('github-enterprise: gzip NDJSON at the bucket root, ids from _document_id, time from @timestamp', async () => {
    await pipeline.putObject(
      '2024/02/01/18/50/8e9d30f7-4352-43da-b197-83f8b7694ddc.json.log.gz',
      gzipSync(fixture('github-audit-log.json.log')),
    );
    const drained = await pipeline.drain(handler());
    assert.deepEqual({ received: drained.received, failed: drained.failed }, { received: 1, failed: 0 });
    const index = 'logs-github.audit-default';
    assert.deepEqual(
      bulk
        .documents(index)
        .map((document) => (document as { _document_id: string })._document_id)
        .sort(),
      [
        'Qm9vGZkXr1y3-4JpTfE2aw',
        'Xf1a9Dq3Lm7pRs-2TvWe8B',
        'b7d2LxQe0W9sRk-1HnYc4g',
        'w3Zp8N0cVq2yHt-5GmUe1A',
      ],
    );
    assert.ok(bulk.document(index, 'Qm9vGZkXr1y3-4JpTfE2aw'), 'the _document_id is the _id');
    assert.deepEqual(timesBySourcetype('github:audit'), [
      '1706813400.512',
      '1706813431.207',
      '1706813455.89',
      '1706813459.001',
    ]);
    await quiet();
  });

  it('cloudflare-logpush: gzip NDJSON in {DATE} folders, RayID ids, unixnano EdgeStartTimestamp; the ownership challenge is skipped', async () => {
    await pipeline.putObject(
      'cloudflare/http/ownership-challenge-9883874ecac311ec.txt',
      'eyJhbGciOiJIUzI1NiJ9.eyJvYmplY3QiOiJ6b25lIn0.c2lnbmF0dXJl',
    );
    await pipeline.putObject(
      'cloudflare/http/20240201/20240201T185004Z_20240201T185104Z_4d2c1a9e.log.gz',
      gzipSync(fixture('cloudflare-http-requests.log')),
    );
    const drained = await pipeline.drain(handler());
    assert.deepEqual({ received: drained.received, failed: drained.failed }, { received: 2, failed: 0 });
    const index = 'logs-cf-http.http_requests-default';
    assert.equal(bulk.documents(index).length, 3);
    for (const rayId of ['84e1c0b9d7a2f3e1', '84e1c0ba0b3c4d5e', '84e1c0bb1c2d3e4f']) {
      assert.ok(bulk.document(index, rayId), `RayID ${rayId} is the _id`);
    }
    // Sent as `1706813404.7829606` (sub-microsecond digits of a unixnano JSON number are not exact in
    // a double); the receiver parses HEC's `time` as a JavaScript number.
    assert.deepEqual(
      timesBySourcetype('cf-http:http_requests'),
      ['1706813404.7829606', '1706813405.012345', '1706813406.4'].map((text) => String(Number(text))),
    );
    assert.equal(hec.events.length, 3, 'the ownership challenge is not forwarded');
    await quiet();
  });

  it('cloudtrail: each element of Records once, eventID ids and eventTime; digest files skipped', async () => {
    await pipeline.putObject(DIGEST_KEY, gzipSync(fixture('cloudtrail-digest-file.json')));
    await pipeline.putObject(CLOUDTRAIL_KEY, gzipSync(fixture('cloudtrail-log-file.json')));
    const drained = await pipeline.drain(handler());
    assert.deepEqual({ received: drained.received, failed: drained.failed }, { received: 2, failed: 0 });
    const index = 'logs-cloudtrail.cloudtrail-default';
    const ids = [
      '0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      '4d5e6f70-8192-4a3b-bc4d-5e6f708192a3',
      '7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    ];
    assert.equal(bulk.documents(index).length, 3);
    for (const id of ids) {
      const document = bulk.document(index, id) as { eventID: string; '@timestamp': string };
      assert.equal(document.eventID, id);
    }
    assert.equal(
      (bulk.document(index, ids[0]) as { '@timestamp': string })['@timestamp'],
      '2024-02-01T18:47:31Z',
    );
    assert.deepEqual(timesBySourcetype('cloudtrail:cloudtrail'), ['1706813251', '1706813282', '1706813385']);
    assert.ok(
      hec.events.every((event) => event.source === `s3://${BUCKET}/${CLOUDTRAIL_KEY}`),
      'the digest file is not forwarded',
    );
    await quiet();
  });

  it('cloudtrail: a notification delivered twice sends each record to Elasticsearch once', async () => {
    const body = gzipSync(fixture('cloudtrail-log-file.json'));
    await pipeline.putObject(CLOUDTRAIL_KEY, body);
    await pipeline.putObject(CLOUDTRAIL_KEY, body);
    const drained = await pipeline.drain(handler());
    assert.equal(drained.failed, 0);
    assert.equal(bulk.documents('logs-cloudtrail.cloudtrail-default').length, 3);
    await quiet();
  });
});
