import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { continuationBody } from '../../../lambda/core/notifications/continuation';
import { parseMessage } from '../../../lambda/core/notifications/parse-message';

function s3Notification(key: string, eventName = 'ObjectCreated:Put') {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: '2024-02-01T18:50:05.000Z',
        eventName,
        s3: {
          bucket: { name: 'acme-logs', arn: 'arn:aws:s3:::acme-logs' },
          object: { key, size: 120, eTag: 'abc123', versionId: 'v1', sequencer: '00' },
        },
      },
    ],
  };
}

function objectsOf(body: unknown) {
  const parsed = parseMessage(JSON.stringify(body));
  assert.equal(parsed.kind, 'objects');
  return parsed.kind === 'objects' ? parsed : assert.fail();
}

describe('reading S3 event messages', () => {
  it('decodes URL-encoded keys, with + as a space', () => {
    const { work } = objectsOf(s3Notification('sdm/logs/activities/2024/02/01/18/50/my+file%C3%BC%2B1.json'));
    assert.equal(work[0].object.key, 'sdm/logs/activities/2024/02/01/18/50/my fileü+1.json');
    assert.equal(work[0].object.versionId, 'v1');
    assert.equal(work[0].object.eTag, 'abc123');
    assert.equal(work[0].object.eventTime.toISOString(), '2024-02-01T18:50:05.000Z');
    assert.equal(work[0].progress, undefined);
  });

  it('reads event times without a zone as UTC (moto writes them so)', () => {
    const body = s3Notification('a/b.json');
    body.Records[0].eventTime = '2026-11-25T19:11:46.892509';
    assert.equal(objectsOf(body).work[0].object.eventTime.toISOString(), '2026-11-25T19:11:46.892Z');
  });

  it('recognises the s3:TestEvent sent when notifications are configured', () => {
    const parsed = parseMessage(
      JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'acme-logs' }),
    );
    assert.equal(parsed.kind, 'test-event');
  });

  it('skips events that are not object creations, naming the key', () => {
    const { work, skipped } = objectsOf(s3Notification('a/b.json', 'ObjectRemoved:Delete'));
    assert.equal(work.length, 0);
    assert.deepEqual(skipped, [{ reason: 'not an object creation (ObjectRemoved:Delete)', key: 'a/b.json' }]);
  });

  it('unwraps notifications delivered through SNS', () => {
    const sns = {
      Type: 'Notification',
      MessageId: 'm',
      Message: JSON.stringify(s3Notification('x/y%20z.json')),
    };
    assert.equal(objectsOf(sns).work[0].object.key, 'x/y z.json');
  });

  it('reads EventBridge Object Created events, whose keys are not URL-encoded', () => {
    const event = {
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      time: '2024-02-01T18:50:05Z',
      detail: {
        bucket: { name: 'acme-logs' },
        object: { key: 'sdm/logs/a+b%20c.json', size: 5, etag: 'e1', 'version-id': 'v9' },
      },
    };
    const { object } = objectsOf(event).work[0];
    assert.deepEqual(
      { key: object.key, versionId: object.versionId, eTag: object.eTag, bucket: object.bucket },
      { key: 'sdm/logs/a+b%20c.json', versionId: 'v9', eTag: 'e1', bucket: 'acme-logs' },
    );
  });

  it('round-trips its own continuation messages', () => {
    const object = {
      bucket: 'acme-logs',
      key: 'k 1.json',
      versionId: 'v1',
      eventTime: new Date('2024-01-01T00:00:00Z'),
    };
    const body = continuationBody(
      { object, progress: { splunk: 'done', es: 4096 }, encoding: 'identity' },
      'deadline',
    );
    const { work } = objectsOf(JSON.parse(body));
    assert.deepEqual(work[0].progress, { splunk: 'done', es: 4096 });
    assert.equal(work[0].encoding, 'identity');
    assert.equal(work[0].object.key, 'k 1.json');
    assert.equal(work[0].object.eventTime.toISOString(), '2024-01-01T00:00:00.000Z');
  });

  it('stays below SQS’s 256 KiB with many destinations full of skip ranges, keeping each one’s first ranges', () => {
    const object = { bucket: 'acme-logs', key: 'k.json', eventTime: new Date('2024-01-01T00:00:00Z') };
    // As many as a destination keeps (2,000), at offsets of a 10 GB object, for six destinations:
    // 312 KB unbounded.
    const skip = Array.from({ length: 2_000 }, (_, n) => [10e9 + n * 1_000, 10e9 + n * 1_000 + 500] as const);
    const resumeAt = 9e9;
    const names = ['splunk', 'es', 'sentinel', 'https', 'detections', 'route-pager'];
    const body = continuationBody(
      { object, progress: Object.fromEntries(names.map((name) => [name, { resumeAt, skip }])) },
      'destination-failed',
    );
    assert.ok(Buffer.byteLength(body) < 256 * 1024, `${Buffer.byteLength(body)} bytes`);
    const { work } = objectsOf(JSON.parse(body));
    for (const name of names) {
      assert.deepEqual(work[0].progress?.[name], { resumeAt, skip: skip.slice(0, 1_000) }, name);
    }
    const few = { splunk: { resumeAt, skip: skip.slice(0, 3) }, es: 'done' as const };
    assert.deepEqual(
      objectsOf(JSON.parse(continuationBody({ object, progress: few }, 'deadline'))).work[0].progress,
      few,
    );
  });

  it('refuses what it does not understand instead of guessing', () => {
    assert.equal(parseMessage('not json').kind, 'unrecognized');
    assert.equal(parseMessage('[1,2]').kind, 'unrecognized');
    assert.equal(parseMessage(JSON.stringify({ hello: 'world' })).kind, 'unrecognized');
    const forged = { sluice: 'sluice.continuation.v1', bucket: 'b', key: 'k', progress: { es: -5 } };
    assert.equal(parseMessage(JSON.stringify(forged)).kind, 'unrecognized');
  });
});
