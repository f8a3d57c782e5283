import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbCheckpointStore } from '../../lambda/adapters/dynamodb-checkpoint-store';
import { COLLECTOR_ENV } from '../../lambda/collector/env';
import { createCollectorHandler } from '../../lambda/collector/handler';
import { COLLECTOR_CONFIG_ENV, collectorRuntimeConfigOf } from '../../lambda/collector/runtime-config';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import { createCheckpointTable } from './checkpoint-table';
import { motoClientConfig, startMoto, type MotoServer } from './moto';

/** Moto with what the stack gives a collector (a bucket, the checkpoint table, secrets), and its handler. */
export interface CollectorMoto {
  readonly moto: MotoServer;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly table: string;
  /** Stores a secret; returns its ARN. */
  createSecret(name: string, value: string): Promise<string>;
  /** The collector Lambda handler of collector `name` in `config`, wired to this moto as the stack wires it. */
  handler(config: SluiceConfig, name: string): ReturnType<typeof createCollectorHandler>;
  /** Every event written under `prefix`, parsed, in key order then line order. */
  writtenEvents(prefix: string): Promise<Record<string, unknown>[]>;
  readonly checkpoints: DynamoDbCheckpointStore;
  stop(): Promise<void>;
}

/** Default names: `sluice-logs` and `checkpoints`. */
export async function startCollectorMoto(
  options: { readonly bucket?: string; readonly table?: string } = {},
): Promise<CollectorMoto> {
  const bucket = options.bucket ?? 'sluice-logs';
  const table = options.table ?? 'checkpoints';
  const moto = await startMoto();
  const client = motoClientConfig(moto.endpoint);
  const dynamodb = new DynamoDBClient(client);
  const s3 = new S3Client(client);
  const secrets = new SecretsManagerClient(client);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createCheckpointTable(dynamodb, table);
  return {
    moto,
    dynamodb,
    s3,
    bucket,
    table,
    checkpoints: new DynamoDbCheckpointStore(dynamodb, table),
    createSecret: async (name, value) =>
      (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!,
    handler: (config, name) =>
      createCollectorHandler({
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        SLUICE_S3_FORCE_PATH_STYLE: 'true',
        [COLLECTOR_ENV.bucket]: bucket,
        [COLLECTOR_ENV.table]: table,
        [COLLECTOR_CONFIG_ENV]: JSON.stringify(collectorRuntimeConfigOf(config, name)),
      }),
    writtenEvents: async (prefix) => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      const events: Record<string, unknown>[] = [];
      for (const { Key } of listed.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const body = Buffer.from(await object.Body!.transformToByteArray());
        const text = (Key!.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8');
        for (const line of text.split('\n').filter(Boolean)) {
          events.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      return events;
    },
    stop: async () => {
      dynamodb.destroy();
      s3.destroy();
      secrets.destroy();
      await moto.stop();
    },
  };
}
