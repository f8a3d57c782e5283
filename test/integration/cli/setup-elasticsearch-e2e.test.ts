import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import {
  startElasticsearchAdminReceiver,
  type AdminReceiver,
} from '../../support/receivers/elasticsearch-admin-receiver';
import { createSecret, motoEnv, sluice, workspace } from './helpers';

/** Seed 003's examples, as StrongDM writes them (pretty-printed, one object after another). */
const SEED_RECORDS: Record<string, object[]> = {
  activities: [
    {
      formatVersion: 'v1.0.0',
      id: 'at-33faa6fb65df876a',
      logType: 'activities',
      activity: 'user logged into the Admin UI',
      actorAccountID: 'a-0abcdabcdab00000',
      actorEmail: 'alice.glick@strongdm.com',
      ipAddress: '123.123.123.123',
      userAgent: 'strongdm-cli/1.2.3',
      entities: [{ type: 'user', id: 'a-0abcdabcdab00000', email: 'alice.glick@strongdm.com' }],
      timestamp: '2024-02-01T18:50:04.782960647Z',
    },
    {
      formatVersion: 'v1.0.0',
      id: 'at-55faa6fb65df876c',
      logType: 'activities',
      activity: 'user logged into the Admin UI',
      actorAccountID: 'a-0defgdefgde00001',
      ipAddress: '456.456.456.456',
      entities: [{ type: 'user', id: 'a-0defgdefgde00001', email: 'bob.belcher@strongdm.com' }],
      timestamp: '2024-02-02T18:50:04.782960646Z',
    },
  ],
  queries: [
    {
      formatVersion: 'v1.0.0',
      logType: 'queries',
      actorAccountID: 'a-0abcdabcdab00000',
      durationMs: '20',
      hash: '0da22222ba9b212ecfed33a17147c466ae0929ca',
      query: 'select name from users',
      queryCategory: 'cloud',
      resourceID: 'rs-0cegcegcegceg00',
      resourceName: 'MySQL',
      resourceTags: { env: 'dev' },
      resourceType: 'mysql',
      sourceIp: '1.11.222.333',
      timestamp: '2024-02-01T13:13:20.895597162Z',
      uuid: '0CEGCEGCEGCEGCEGCEGCE1234ceg',
    },
  ],
  replays: [
    {
      formatVersion: 'v1.0.0',
      logType: 'replays',
      chunkID: '1',
      events: [{ data: 'base64binarydata', durationMs: '46' }],
      hash: '0da22222ba9b212ecfed33a17147c466ae0929fb',
      queryUUID: 'sABCDABCDABCDABCDABCD1234abc',
      timestamp: '2024-02-26T21:14:12.377835194Z',
    },
  ],
};

interface SetupReport {
  credential?: { kind: string; id?: string; secret?: string; storedIn?: string; secretVersionId?: string };
  blocked: string[];
}

describe('sluice setup elasticsearch, then the forwarder writes with what it made (moto + local Elasticsearch)', () => {
  let moto: MotoServer;
  let receiver: AdminReceiver;
  let secrets: SecretsManagerClient;
  let writerSecret: string;
  let adminSecret: string;
  let dir: string;
  let config: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    moto = await startMoto();
    receiver = await startElasticsearchAdminReceiver();
    secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
    writerSecret = await createSecret(moto.endpoint, 'sluice/es-writer', 'not-yet-set');
    adminSecret = await createSecret(
      moto.endpoint,
      'sluice/es-admin',
      JSON.stringify({ username: receiver.admin.username, password: receiver.admin.password }),
    );
    ({ dir, config } = workspace({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [
        {
          type: 'elasticsearch',
          name: 'es',
          url: receiver.url,
          auth: { type: 'api-key', secretArn: writerSecret },
        },
      ],
    }));
    env = motoEnv(moto.endpoint);
    for (const [logType, records] of Object.entries(SEED_RECORDS)) {
      const folder = join(dir, 'backfill', logType, '2024', '02', '01', '18', '50');
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'seed.json'),
        records.map((record) => JSON.stringify(record, null, 4)).join('\n'),
      );
    }
  });
  after(async () => {
    secrets.destroy();
    await receiver.close();
    await moto.stop();
  });

  const secretValue = async () =>
    (await secrets.send(new GetSecretValueCommand({ SecretId: writerSecret }))).SecretString;

  const forward = () =>
    sluice(['forward', 'backfill', '--source', 'strongdm', '--json', '--config', config], { env, cwd: dir });

  it("stores the API key in the destination's secret, and the forwarder delivers StrongDM's records with it", async () => {
    const setup = await sluice(
      [
        'setup',
        'elasticsearch',
        'es',
        '--store-secret',
        '--json',
        '--config',
        config,
        '--admin-secret-arn',
        adminSecret,
      ],
      { env, cwd: dir },
    );
    assert.equal(setup.code, 0, setup.stderr);
    const report = setup.json<SetupReport>();
    assert.equal(report.credential?.storedIn, writerSecret);
    assert.equal(report.credential?.secret, undefined, 'not printed when stored');
    const key = receiver.state.apiKeys.get(report.credential!.id!)!;
    assert.equal(await secretValue(), Buffer.from(`${key.id}:${key.key}`).toString('base64'));
    assert.equal(setup.stdout.includes(key.key), false, 'the key never reaches the output');

    const run = await forward();
    assert.equal(run.code, 0, run.stderr);
    const stats = run.json<{
      stats: { destinations: Record<string, { delivered: number; quarantined: number; failed: number }> };
    }>().stats;
    assert.deepEqual(stats.destinations.es, { delivered: 4, quarantined: 0, failed: 0 });
    assert.equal(receiver.documents('logs-strongdm.activities-default').size, 2);
    assert.equal(receiver.documents('logs-strongdm.queries-default').size, 1);
    assert.equal(receiver.documents('logs-strongdm.replays-default').size, 1);
  });

  it('rotates: --new-credential --store-secret puts a new key in the secret, and the forwarder goes on with it', async () => {
    const old = await secretValue();
    const setup = await sluice(
      [
        'setup',
        'elasticsearch',
        'es',
        '--new-credential',
        '--store-secret',
        '--json',
        '--config',
        config,
        '--admin-secret-arn',
        adminSecret,
      ],
      { env, cwd: dir },
    );
    assert.equal(setup.code, 0, setup.stderr);
    const stored = await secretValue();
    assert.notEqual(stored, old);
    assert.match(setup.stdout, /stay valid: invalidate them once the forwarder uses the new one/);
    const run = await forward();
    assert.equal(run.code, 0, run.stderr);
    const stats = run.json<{ stats: { destinations: Record<string, { delivered: number }> } }>().stats;
    assert.equal(
      stats.destinations.es.delivered,
      4,
      'the same records again: kept once (409), counted delivered',
    );
    assert.equal(receiver.documents('logs-strongdm.activities-default').size, 2);
  });

  it('after a rollover of every data stream, the same objects forwarded again add no document (the role setup made may look ids up)', async () => {
    const streams = [...receiver.state.dataStreams.keys()];
    const before = streams.map((stream) => receiver.documentCount(stream));
    for (const stream of streams) receiver.rollover(stream);
    const run = await forward();
    assert.equal(run.code, 0, run.stderr);
    const stats = run.json<{
      stats: { destinations: Record<string, { delivered: number; quarantined: number; failed: number }> };
    }>().stats;
    assert.deepEqual(stats.destinations.es, { delivered: 4, quarantined: 0, failed: 0 });
    assert.deepEqual(
      streams.map((stream) => receiver.documentCount(stream)),
      before,
      'found in the older backing indices: no second copy in the new write indices',
    );
    assert.doesNotMatch(run.stderr, /without the rollover lookup/);
  });
});
