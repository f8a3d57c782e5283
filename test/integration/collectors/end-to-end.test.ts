import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { SecretsManagerSecrets } from '../../../lambda/adapters/secrets-manager';
import { collectOnce } from '../../../lambda/collector/collect';
import { COLLECTOR_ENV } from '../../../lambda/collector/env';
import { createCollectorHandler } from '../../../lambda/collector/handler';
import { COLLECTOR_CONFIG_ENV, collectorRuntimeConfigOf } from '../../../lambda/collector/runtime-config';
import type { Checkpoint, CheckpointStore, Lease } from '../../../lambda/core/collectors/types';
import { parseConfig } from '../../../lambda/core/config/load';
import { HttpClient } from '../../../lambda/core/http/client';
import { createCheckpointTable } from '../../support/checkpoint-table';
import { lambdaContext } from '../../support/event-source';
import { motoClientConfig } from '../../support/moto';
import { BUCKET, ES_API_KEY, HEC_TOKEN, startPipeline, type Pipeline } from '../../support/pipeline';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type HecReceiver,
} from '../../support/receivers';
import { startCirrusSiemApi, type CirrusApi } from '../../support/receivers/cirrus-siem-api';

const TABLE = 'sluice-collector-checkpoints';
const COLLECTOR = 'cirrus-main';

/** The run dies right after its n-th checkpoint: the object after it is written, its checkpoint lost. */
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

describe('a collector end to end on moto: API → objects in the layout → notifications → forwarder → HEC and _bulk', () => {
  let pipeline: Pipeline;
  let dynamodb: DynamoDBClient;
  let api: CirrusApi;
  let hec: HecReceiver;
  let bulk: BulkReceiver;
  let cirrusSecretArn: string;
  const transport = new HttpClient({ maxSockets: 2 });

  before(async () => {
    pipeline = await startPipeline({ prefixes: ['cirrus'] });
    dynamodb = new DynamoDBClient(motoClientConfig(pipeline.moto.endpoint));
    await createCheckpointTable(dynamodb, TABLE);
    cirrusSecretArn = (
      await pipeline.secrets.send(
        new CreateSecretCommand({
          Name: 'sluice/cirrus',
          SecretString: JSON.stringify({ apiKey: 'key-1', apiSecret: 'secret-1' }),
        }),
      )
    ).ARN!;
    api = await startCirrusSiemApi({ apiKey: 'key-1', apiSecret: 'secret-1' });
    hec = await startHecReceiver({ token: HEC_TOKEN });
    bulk = await startBulkReceiver({ auth: { apiKey: ES_API_KEY }, dataStreams: true });
    // The s3:TestEvent S3 sent when the notification was configured.
    await pipeline.purge();
  });
  after(async () => {
    transport.close();
    dynamodb.destroy();
    await Promise.all([api.close(), hec.close(), bulk.close()]);
    await pipeline.stop();
  });

  /** sluice.config.json of this deployment; `maxRecordsPerObject` is what the operator changes between runs. */
  const configFile = (maxRecordsPerObject: number) => ({
    sources: [{ name: 'cirrus', prefix: 'cirrus' }],
    destinations: [
      { type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn: pipeline.secretArns.hec },
      {
        type: 'elasticsearch',
        name: 'elastic',
        url: bulk.url,
        auth: { type: 'api-key', secretArn: pipeline.secretArns.es },
      },
    ],
    collectors: [
      {
        type: 'cirrus-siem',
        name: COLLECTOR,
        source: 'cirrus',
        logType: 'siem',
        apiUrl: api.url,
        credentialsSecretArn: cirrusSecretArn,
        limit: 3,
        maxRecordsPerObject,
      },
    ],
  });
  const config = (maxRecordsPerObject: number) => parseConfig(configFile(maxRecordsPerObject));

  /** The deployed collector function, as Lambda runs it. */
  const lambdaHandler = (maxRecordsPerObject: number) =>
    createCollectorHandler({
      ...process.env,
      AWS_ENDPOINT_URL: pipeline.moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [COLLECTOR_ENV.bucket]: BUCKET,
      [COLLECTOR_ENV.table]: TABLE,
      [COLLECTOR_CONFIG_ENV]: JSON.stringify(
        collectorRuntimeConfigOf(config(maxRecordsPerObject), COLLECTOR),
      ),
    });

  it('delivers every event to both destinations, once in Elasticsearch, through a crash, a resize and a shared boundary time', async () => {
    // Whole seconds an hour ago: inside the first run's seven days, several events per second.
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const at = (seconds: number) => new Date(base + seconds * 1000).toISOString().replace('.000Z', 'Z');
    const event = (n: number, seconds: number) => ({
      timestamp: at(seconds),
      service: 'idp',
      user: `user-${n}`,
      correlationid: `c${n}`,
    });
    api.add(event(0, 0), event(1, 1), event(2, 1), event(3, 2), event(4, 3));

    // 1. A run dies after writing its second object, before its checkpoint.
    const secrets = new SecretsManagerSecrets(pipeline.secrets);
    const crashed = await collectOnce(
      collectorRuntimeConfigOf(config(2), COLLECTOR),
      {
        s3: pipeline.s3,
        bucket: BUCKET,
        store: dyingAfter(new DynamoDbCheckpointStore(dynamodb, TABLE), 1),
        secrets: (arn) => secrets.source(arn),
        transport,
      },
      { deadline: Date.now() + 600_000 },
    );
    assert.equal(crashed.status, 'failed');

    // 2. The operator makes objects larger; the scheduled function resumes from the last checkpoint.
    const resumed = await lambdaHandler(3)({}, lambdaContext(600_000));
    assert.equal(resumed.status, 'caught-up', resumed.message);

    // 3. New events, one at the newest time already collected.
    api.add(event(5, 3), event(6, 4));
    const later = await lambdaHandler(3)({}, lambdaContext(600_000));
    assert.deepEqual(
      { status: later.status, recordsWritten: later.recordsWritten },
      { status: 'caught-up', recordsWritten: 2 },
    );
    const nothingNew = await lambdaHandler(3)({}, lambdaContext(600_000));
    assert.equal(nothingNew.recordsWritten, 0, 'a caught-up collector writes nothing');

    const listed = await pipeline.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'cirrus/' }));
    const keys = (listed.Contents ?? []).map((object) => object.Key!);
    assert.ok(keys.length >= 4);
    for (const key of keys) {
      assert.match(key, /^cirrus\/siem\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json\.gz$/);
    }

    // 4. The bucket notified the object queue of each object; the forwarder delivers them.
    const drained = await pipeline.drain(pipeline.handlerFor(configFile(3)));
    assert.equal(drained.failed, 0);
    assert.equal(drained.received, keys.length);

    const users = (events: unknown[]) => events.map((value) => (value as { user: string }).user);
    const expected = [0, 1, 2, 3, 4, 5, 6].map((n) => `user-${n}`);
    const atHec = users(hec.events.map((hecEvent) => hecEvent.event));
    assert.deepEqual([...new Set(atHec)].sort(), expected, 'every event reached Splunk');
    assert.ok(atHec.length > expected.length, 'the crash made the collector write some events twice');

    const documents = bulk.documents('logs-cirrus.siem-default') as {
      user: string;
      sluice_event_id: string;
    }[];
    assert.deepEqual(users(documents).sort(), expected, 'every event once in Elasticsearch');
    assert.equal(
      bulk.counters.duplicates,
      atHec.length - expected.length,
      'the events written twice had the same _id: Elasticsearch answered 409 and kept one',
    );
    for (const document of documents) {
      assert.ok(
        bulk.document('logs-cirrus.siem-default', document.sluice_event_id),
        'the event id is the _id',
      );
    }

    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
    const state = await new DynamoDbCheckpointStore(dynamodb, TABLE).read(COLLECTOR);
    assert.equal(state?.lastRunStatus, 'caught-up');
    assert.equal(state?.newestEventAt, at(4));
  });
});
