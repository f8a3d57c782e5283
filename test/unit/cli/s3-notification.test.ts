import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../../lambda/core/notifications/parse-message';
import { decodeS3Key, encodeS3Key } from '../../../lambda/core/notifications/s3-key';
import { syntheticNotification } from '../../../cli/replay/s3-notification';

describe('synthetic S3 notifications (replay)', () => {
  it('encodes keys as S3 does: + for spaces, slashes kept, reserved characters escaped', () => {
    assert.equal(encodeS3Key('sdm/logs/activities/a b+c=d.json'), 'sdm/logs/activities/a+b%2Bc%3Dd.json');
    assert.equal(encodeS3Key("x/(it's)*!.json"), 'x/%28it%27s%29%2A%21.json');
    assert.equal(encodeS3Key('x/ünï.json'), 'x/%C3%BCn%C3%AF.json');
  });

  it('round-trips every key through the forwarder’s decoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (key) => {
        assert.equal(decodeS3Key(encodeS3Key(key)), key);
      }),
      { numRuns: 500 },
    );
  });

  it('is read by the forwarder as the object it names', () => {
    const lastModified = new Date('2024-02-01T18:50:42.123Z');
    const body = syntheticNotification(
      'acme-logs',
      { key: 'sdm/logs/activities/2024/02/01/18/50/a b.json', size: 42, eTag: '"abc123"', lastModified },
      'eu-west-1',
    );
    const parsed = parseMessage(body);
    assert.equal(parsed.kind, 'objects');
    if (parsed.kind !== 'objects') return;
    assert.deepEqual(parsed.skipped, []);
    assert.deepEqual(parsed.work, [
      {
        object: {
          bucket: 'acme-logs',
          key: 'sdm/logs/activities/2024/02/01/18/50/a b.json',
          versionId: undefined,
          eTag: 'abc123',
          size: 42,
          eventTime: lastModified,
        },
      },
    ]);
    const record = (
      JSON.parse(body) as { Records: { eventName: string; awsRegion: string; eventSource: string }[] }
    ).Records[0];
    assert.equal(record.eventName, 'ObjectCreated:Put');
    assert.equal(record.eventSource, 'aws:s3');
    assert.equal(record.awsRegion, 'eu-west-1');
  });
});
