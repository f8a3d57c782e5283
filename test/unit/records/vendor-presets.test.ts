import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../lambda/core/config/load';
import { classifyKey } from '../../../lambda/core/layout/key-layout';
import { toOutboundRecord } from '../../../lambda/core/records/outbound';
import { readRecords } from '../../../lambda/core/records/reader';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { streamOf } from './read-helpers';

/**
 * Each preset's record reader on fixtures built from the vendors' published examples (the shapes of
 * GitHub's audit log API example, Cloudflare's Logpush output examples and CloudTrail's log file
 * examples, with values of our own): what the forwarder makes of an object of each.
 */
const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/records', name));

const { sources } = runtimeConfigOf(
  parseConfig({
    sources: [
      {
        name: 'github',
        prefix: '',
        preset: 'github-enterprise',
        principals: ['arn:aws:iam::111122223333:role/github-audit-log-streaming'],
      },
      { name: 'cf-http', prefix: 'cloudflare/http', preset: 'cloudflare-logpush', logType: 'http_requests' },
      {
        name: 'cf-firewall',
        prefix: 'cloudflare/fw',
        preset: 'cloudflare-logpush',
        logType: 'firewall_events',
      },
      {
        name: 'cloudtrail',
        prefix: 'cloudtrail',
        preset: 'cloudtrail',
        trailArns: ['arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail'],
      },
    ],
  }),
);

/** The object as the vendor writes it (gzip), read and turned into records as the forwarder does. */
async function forwarded(key: string, body: Buffer): Promise<OutboundRecord[]> {
  const where = classifyKey(key, sources);
  assert.equal(where.kind, 'record-object', key);
  if (where.kind !== 'record-object') return [];
  const context = {
    source: where.source.name,
    bucket: 'acme-audit-logs',
    key,
    eTag: 'etag-1',
    logTypeFromKey: where.logType,
    timestampField: where.source.timestampField,
    timestampFieldByLogType: where.source.timestampFieldByLogType,
    idFieldByLogType: where.source.idFieldByLogType,
    eventTime: new Date('2030-01-01T00:00:00Z'),
  };
  const records: OutboundRecord[] = [];
  const options = { format: where.source.format, maxRecordBytes: 1 << 20, maxDecompressedBytes: 1 << 26 };
  for await (const event of readRecords(streamOf([gzipSync(body)]), options)) {
    assert.equal(event.kind, 'record', event.kind === 'invalid' ? event.reason : '');
    if (event.kind === 'record') records.push(toOutboundRecord(event, context));
  }
  return records;
}

const summary = (records: readonly OutboundRecord[]) =>
  records.map((record) => ({ id: record.id, time: record.timestamp.iso, logType: record.logType }));

describe("the presets' record readers on the vendors' example records", () => {
  it('github-enterprise: one NDJSON line per event, _document_id, @timestamp in epoch milliseconds', async () => {
    const records = await forwarded(
      '2024/02/01/18/50/8e9d30f7-4352-43da-b197-83f8b7694ddc.json.log.gz',
      fixture('github-audit-log.json.log'),
    );
    assert.deepEqual(summary(records), [
      { id: 'Qm9vGZkXr1y3-4JpTfE2aw', time: '2024-02-01T18:50:00.512Z', logType: 'audit' },
      { id: 'b7d2LxQe0W9sRk-1HnYc4g', time: '2024-02-01T18:50:31.207Z', logType: 'audit' },
      { id: 'w3Zp8N0cVq2yHt-5GmUe1A', time: '2024-02-01T18:50:55.89Z', logType: 'audit' },
      { id: 'Xf1a9Dq3Lm7pRs-2TvWe8B', time: '2024-02-01T18:50:59.001Z', logType: 'audit' },
    ]);
    assert.equal(records[3].value.actor, 'Élodie');
    assert.equal(
      records[0].json,
      fixture('github-audit-log.json.log').toString().split('\n')[0],
      'forwarded as written',
    );
  });

  it('cloudflare-logpush http_requests: RayID, EdgeStartTimestamp in unixnano (the API default) or RFC 3339', async () => {
    const key = 'cloudflare/http/20240201/20240201T185004Z_20240201T185104Z_4d2c1a9e.log.gz';
    assert.deepEqual(summary(await forwarded(key, fixture('cloudflare-http-requests.log'))), [
      { id: '84e1c0b9d7a2f3e1', time: '2024-02-01T18:50:04.7829606Z', logType: 'http_requests' },
      { id: '84e1c0ba0b3c4d5e', time: '2024-02-01T18:50:05.012345Z', logType: 'http_requests' },
      { id: '84e1c0bb1c2d3e4f', time: '2024-02-01T18:50:06.4Z', logType: 'http_requests' },
    ]);
    assert.deepEqual(
      summary(await forwarded(key, fixture('cloudflare-http-requests-rfc3339.log'))).map(
        (record) => record.time,
      ),
      ['2024-02-01T18:50:04Z', '2024-02-01T18:50:05Z', '2024-02-01T18:50:06Z'],
    );
  });

  it('cloudflare-logpush firewall_events: Datetime; no unique id field, so ids from the position', async () => {
    const records = await forwarded(
      'cloudflare/fw/20240201/20240201T185004Z_20240201T185104Z_77aa01bc.log.gz',
      fixture('cloudflare-firewall-events.log'),
    );
    assert.deepEqual(
      records.map((record) => [record.timestamp.iso, record.logType]),
      [
        ['2024-02-01T18:50:04Z', 'firewall_events'],
        ['2024-02-01T18:50:04Z', 'firewall_events'],
      ],
    );
    assert.equal(
      records[0].value.RayID,
      records[1].value.RayID,
      'one request, two rules: RayID is no event id',
    );
    assert.notEqual(records[0].id, records[1].id);
    assert.match(records[0].id, /^[A-Za-z0-9_-]{27}$/);
  });

  it('cloudtrail: each element of Records, eventID and eventTime, sent as the compact element', async () => {
    const body = fixture('cloudtrail-log-file.json');
    const records = await forwarded(
      'cloudtrail/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/01/111122223333_CloudTrail_eu-west-1_20240201T1850Z_Ab12Cd34Ef56Gh78.json.gz',
      body,
    );
    assert.deepEqual(summary(records), [
      { id: '0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d', time: '2024-02-01T18:47:31Z', logType: 'cloudtrail' },
      { id: '4d5e6f70-8192-4a3b-bc4d-5e6f708192a3', time: '2024-02-01T18:48:02Z', logType: 'cloudtrail' },
      { id: '7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d', time: '2024-02-01T18:49:45Z', logType: 'cloudtrail' },
    ]);
    const { Records } = JSON.parse(body.toString()) as { Records: unknown[] };
    assert.deepEqual(
      records.map((record) => JSON.parse(record.json)),
      Records,
    );
    assert.ok(records.every((record) => !record.json.includes('\n')));
  });
});
