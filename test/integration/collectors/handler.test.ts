import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { COLLECTOR_ENV } from '../../../lambda/collector/env';
import { createCollectorHandler } from '../../../lambda/collector/handler';
import { COLLECTOR_CONFIG_ENV, collectorRuntimeConfigOf } from '../../../lambda/collector/runtime-config';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import { parseConfig } from '../../../lambda/core/config/load';
import { createCheckpointTable } from '../../support/checkpoint-table';
import { lambdaContext } from '../../support/event-source';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startCirrusSiemApi, type CirrusApi } from '../../support/receivers/cirrus-siem-api';

const BUCKET = 'sluice-logs';
const TABLE = 'checkpoints';
const WRONG_SECRET = 'not-the-secret-0123';

describe('the collector Lambda handler (moto, local Cirrus API)', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let api: CirrusApi;
  let secretArn: string;

  before(async () => {
    moto = await startMoto();
    const client = motoClientConfig(moto.endpoint);
    dynamodb = new DynamoDBClient(client);
    s3 = new S3Client(client);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await createCheckpointTable(dynamodb, TABLE);
    const secrets = new SecretsManagerClient(client);
    secretArn = (
      await secrets.send(
        new CreateSecretCommand({
          Name: 'cirrus',
          SecretString: JSON.stringify({ apiKey: 'key', apiSecret: WRONG_SECRET }),
        }),
      )
    ).ARN!;
    secrets.destroy();
    api = await startCirrusSiemApi({ apiKey: 'key', apiSecret: 'the-right-one' });
    api.add({ timestamp: new Date(Date.now() - 60_000).toISOString(), service: 'idp' });
  });
  after(async () => {
    dynamodb.destroy();
    s3.destroy();
    await api.close();
    await moto.stop();
  });

  const handlerWith = (env: NodeJS.ProcessEnv) =>
    createCollectorHandler({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [COLLECTOR_ENV.bucket]: BUCKET,
      [COLLECTOR_ENV.table]: TABLE,
      ...env,
    });

  it('ends a refused run as failed with its code, records it for status, writes nothing, and never shows the secret', async () => {
    const config = parseConfig({
      sources: [{ name: 'cirrus', prefix: 'cirrus' }],
      collectors: [
        {
          type: 'cirrus-siem',
          name: 'cirrus-main',
          source: 'cirrus',
          logType: 'siem',
          apiUrl: api.url,
          credentialsSecretArn: secretArn,
        },
      ],
    });
    const handler = handlerWith({
      [COLLECTOR_CONFIG_ENV]: JSON.stringify(collectorRuntimeConfigOf(config, 'cirrus-main')),
    });
    const outcome = await handler({}, lambdaContext(120_000));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.code, CollectorCodes.AUTH_FAILED);
    assert.doesNotMatch(JSON.stringify(outcome), new RegExp(WRONG_SECRET));
    const state = await new DynamoDbCheckpointStore(dynamodb, TABLE).read('cirrus-main');
    assert.equal(state?.lastRunStatus, 'failed');
    assert.equal(state?.lastErrorCode, CollectorCodes.AUTH_FAILED);
    assert.equal(state?.checkpoint, undefined, 'the checkpoint did not move');
    assert.equal(state?.leaseOwner, undefined, 'the lease was given back');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'cirrus/' }));
    assert.equal(listed.KeyCount ?? 0, 0);
  });

  it('throws when deployed without its configuration (the function-errors half of the failing alarm)', async () => {
    await assert.rejects(handlerWith({})({}, lambdaContext(120_000)), /SLUICE_COLLECTOR_CONFIG is not set/);
  });
});
