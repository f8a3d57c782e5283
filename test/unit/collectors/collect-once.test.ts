import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { collectOnce } from '../../../lambda/collector/collect';
import { collectorRuntimeConfigOf } from '../../../lambda/collector/runtime-config';
import { parseConfig } from '../../../lambda/core/config/load';
import { HttpClient } from '../../../lambda/core/http/client';
import { startCirrusSiemApi, type CirrusApi } from '../../support/receivers/cirrus-siem-api';
import { World } from './fakes';
import { ARN, FakeSecrets } from './support';

const SINCE = new Date('2024-05-08T06:25:00Z');
const UNTIL = new Date('2024-05-08T06:26:00Z');

/** A clock that moves on by a millisecond each time it is read, as a busy machine's does between two reads. */
function tickingClock(start: number): () => number {
  let now = start;
  return () => (now += 1);
}

describe('a backfill through collectOnce (sluice pull --to-bucket --since … --until …)', () => {
  let api: CirrusApi;
  let transport: HttpClient;
  let s3: S3Client;
  before(async () => {
    api = await startCirrusSiemApi({ apiKey: 'key', apiSecret: 'secret' });
    api.add(
      { timestamp: '2024-05-08T06:24:59Z', user: 'before' },
      { timestamp: '2024-05-08T06:25:00Z', user: 'alice' },
      { timestamp: '2024-05-08T06:26:00Z', user: 'bob' },
      { timestamp: '2024-05-08T06:26:01Z', user: 'after' },
    );
    transport = new HttpClient({ maxSockets: 2 });
    // Never called: the test's writer takes the objects.
    s3 = new S3Client({ region: 'us-east-1' });
  });
  after(async () => {
    transport.close();
    s3.destroy();
    await api.close();
  });

  it('writes the event at exactly `since`, however far the clock moves during the run', async () => {
    const config = parseConfig({
      sources: [{ name: 'cirrus', prefix: 'cirrus/logs' }],
      collectors: [
        {
          type: 'cirrus-siem',
          name: 'cirrus-main',
          source: 'cirrus',
          logType: 'siem',
          apiUrl: api.url,
          credentialsSecretArn: ARN('cirrus'),
          limit: 2,
        },
      ],
    });
    const secrets = new FakeSecrets();
    secrets.set(ARN('cirrus'), { apiKey: 'key', apiSecret: 'secret' });
    const world = new World();
    const outcome = await collectOnce(
      collectorRuntimeConfigOf(config, 'cirrus-main'),
      {
        s3,
        bucket: 'unused',
        store: world,
        secrets: secrets.source,
        transport,
        now: tickingClock(Date.now()),
      },
      { deadline: Infinity, since: SINCE, until: UNTIL, writer: world },
    );
    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, 2);
    const users = [...world.objects.values()].flatMap((object) =>
      (object.gzip ? gunzipSync(object.body) : object.body)
        .toString('utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { user: string }).user),
    );
    assert.deepEqual(users, ['alice', 'bob']);
  });
});
