import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CHECKPOINT_KEY, DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { S3CollectorWriter } from '../../../lambda/adapters/s3-collector-writer';
import { collectorConfig, type CirrusSiemCollectorConfig } from '../../../lambda/core/collectors/config';
import { runCollector } from '../../../lambda/core/collectors/engine';
import type { Checkpoint, CheckpointStore, Lease } from '../../../lambda/core/collectors/types';
import { cirrusSiemClient } from '../../../lambda/core/collectors/types/cirrus-siem';
import { HttpClient } from '../../../lambda/core/http/client';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startCirrusSiemApi, type CirrusApi } from '../../support/receivers/cirrus-siem-api';

const BUCKET = 'sluice-logs';
const TABLE = 'sluice-collector-checkpoints';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cirrus';
const NOW = Date.parse('2024-05-08T00:00:00Z');

/** A store whose commits after the n-th are lost, as when the process dies right after writing an object. */
function dyingAfter(store: CheckpointStore, commits: number): CheckpointStore {
  return {
    acquire: async (collector, leaseMs) => {
      const lease = await store.acquire(collector, leaseMs);
      if (!lease) return undefined;
      let count = 0;
      const dying: Lease = {
        checkpoint: lease.checkpoint,
        commit: async (checkpoint: Checkpoint) => {
          if (count++ >= commits) throw new Error('the process died');
          await lease.commit(checkpoint);
        },
        release: (outcome) => lease.release(outcome),
      };
      return dying;
    },
  };
}

describe('a collector writing into the bucket (moto S3 and DynamoDB, local Cirrus API)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let dynamodb: DynamoDBClient;
  let api: CirrusApi;
  const transport = new HttpClient({ maxSockets: 2 });

  before(async () => {
    moto = await startMoto();
    s3 = new S3Client(motoClientConfig(moto.endpoint));
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: CHECKPOINT_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: CHECKPOINT_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    api = await startCirrusSiemApi({ apiKey: 'k', apiSecret: 's' });
  });
  after(async () => {
    transport.close();
    s3.destroy();
    dynamodb.destroy();
    await api.close();
    await moto.stop();
  });

  async function objects(prefix: string): Promise<Map<string, string[]>> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const result = new Map<string, string[]>();
    for (const { Key } of listed.Contents ?? []) {
      const body = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const bytes = Buffer.from(await body.Body!.transformToByteArray());
      result.set(Key!, gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean));
    }
    return result;
  }

  const run = (name: string, store: CheckpointStore) => {
    const config = collectorConfig.parse({
      type: 'cirrus-siem',
      name,
      source: 'cirrus',
      logType: 'siem',
      apiUrl: api.url,
      credentialsSecretArn: ARN,
      limit: 3,
      maxRecordsPerObject: 2,
    }) as CirrusSiemCollectorConfig;
    const secret = JSON.stringify({ apiKey: 'k', apiSecret: 's' });
    return runCollector(
      {
        name,
        prefix: `cirrus/${name}`,
        logType: 'siem',
        gzip: config.gzip,
        maxRecordsPerObject: config.maxRecordsPerObject,
        firstRunLookbackMs: config.firstRunDays * 86_400_000,
      },
      {
        client: cirrusSiemClient(config, {
          secrets: () => ({ get: async () => secret, refresh: async () => secret }),
          api: { transport, requestTimeoutMs: 120_000 },
        }),
        writer: new S3CollectorWriter(s3, BUCKET),
        store,
        now: () => NOW,
        deadline: Date.now() + 600_000,
        leaseMs: 600_000,
      },
    );
  };

  it('writes gzipped NDJSON objects in the key layout, and after a crash between write and checkpoint finds them there instead of writing copies', async () => {
    api.add(
      ...Array.from({ length: 5 }, (_, i) => ({
        timestamp: `2024-05-07T10:0${i}:00Z`,
        service: 'idp',
        correlationid: `c${i}`,
      })),
    );
    const store = new DynamoDbCheckpointStore(dynamodb, TABLE, () => NOW);
    const crashed = await run('main', dyingAfter(store, 1));
    assert.equal(crashed.status, 'failed');
    const afterCrash = await objects('cirrus/main/');
    assert.equal(afterCrash.size, 2, 'the second object was written, its checkpoint lost');

    const resumed = await run('main', store);
    assert.equal(resumed.status, 'caught-up');
    const all = await objects('cirrus/main/');
    for (const key of all.keys()) {
      assert.match(key, /^cirrus\/main\/siem\/2024\/05\/07\/10\/0\d\/[0-9a-f-]{36}\.json\.gz$/);
    }
    const lines = [...all.values()].flat().map((line) => JSON.parse(line) as { correlationid: string });
    assert.deepEqual(
      lines.map((line) => line.correlationid).sort(),
      ['c0', 'c1', 'c2', 'c3', 'c4'],
      'every event once: the repeated object had the same name and was not written again',
    );
    assert.equal(all.size, 3);
    const state = await store.read('main');
    assert.equal(state?.lastRunStatus, 'caught-up');
    assert.equal(state?.checkpoint?.newestEventAt, '2024-05-07T10:04:00Z');
  });
});
