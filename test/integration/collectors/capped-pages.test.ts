import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { COLLECTOR_ENV } from '../../../lambda/collector/env';
import { createCollectorHandler } from '../../../lambda/collector/handler';
import { COLLECTOR_CONFIG_ENV, collectorRuntimeConfigOf } from '../../../lambda/collector/runtime-config';
import { parseConfig } from '../../../lambda/core/config/load';
import { createCheckpointTable } from '../../support/checkpoint-table';
import { lambdaContext } from '../../support/event-source';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startLinkPagedAuditApi, type LinkPagedAuditApi } from '../../support/receivers/link-paged-audit-api';

const BUCKET = 'sluice-logs';
const TABLE = 'checkpoints';
const TOKEN = 'ghp_capped_pages_token';
/** The API's largest page, below the worked example's `limit` (100). */
const MAX_PER_PAGE = 25;
const BACKLOG = 110;

describe('the collector Lambda handler on an API that caps pages below `limit` (moto, local GitHub-like API)', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let api: LinkPagedAuditApi;
  let secretArn: string;

  before(async () => {
    moto = await startMoto();
    const client = motoClientConfig(moto.endpoint);
    dynamodb = new DynamoDBClient(client);
    s3 = new S3Client(client);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await createCheckpointTable(dynamodb, TABLE);
    const secrets = new SecretsManagerClient(client);
    secretArn = (await secrets.send(new CreateSecretCommand({ Name: 'github', SecretString: TOKEN }))).ARN!;
    secrets.destroy();
    api = await startLinkPagedAuditApi({ token: TOKEN, org: 'acme-corp', maxPerPage: MAX_PER_PAGE });
  });
  after(async () => {
    dynamodb.destroy();
    s3.destroy();
    await api.close();
    await moto.stop();
  });

  async function writtenIds(prefix: string): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const ids: string[] = [];
    for (const { Key } of listed.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        ids.push((JSON.parse(line) as { _document_id: string })._document_id);
      }
    }
    return ids;
  }

  it('reads the whole backlog in one scheduled run, following the next link after every short page', async () => {
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < BACKLOG; i++) {
      api.events.push({
        '@timestamp': start + i * 1000,
        _document_id: `d${i}`,
        action: 'repo.create',
        actor: 'ana',
      });
    }
    const example = JSON.parse(
      readFileSync(join(__dirname, '../../../examples/collectors/http-json-github-audit-log.json'), 'utf8'),
    ) as Record<string, unknown>;
    const config = parseConfig({
      sources: [{ name: 'github', prefix: 'github/acme-corp', timestampField: '@timestamp' }],
      collectors: [{ ...example, url: api.url, auth: { type: 'header', secretArn } }],
    });
    const handler = createCollectorHandler({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [COLLECTOR_ENV.bucket]: BUCKET,
      [COLLECTOR_ENV.table]: TABLE,
      [COLLECTOR_CONFIG_ENV]: JSON.stringify(collectorRuntimeConfigOf(config, 'github-audit')),
    });

    const outcome = await handler({}, lambdaContext(300_000));

    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, BACKLOG);
    const ids = await writtenIds('github/acme-corp/audit/');
    assert.deepEqual(
      ids.sort(),
      Array.from({ length: BACKLOG }, (_, i) => `d${i}`).sort(),
      'every event of the backlog is in the bucket after one run',
    );
    assert.ok(api.requests.every((request) => request.params.get('per_page') === '100'));
    assert.equal(api.requests.length, Math.ceil(BACKLOG / MAX_PER_PAGE), 'no request after the last page');
    const state = await new DynamoDbCheckpointStore(dynamodb, TABLE).read('github-audit');
    assert.equal(state?.lastRunStatus, 'caught-up');
    assert.equal(Date.parse(state?.checkpoint?.newestEventAt ?? ''), start + (BACKLOG - 1) * 1000);
  });
});
