import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../../lambda/core/config/load';
import { createHandler } from '../../../lambda/forwarder/handler';
import { RUNTIME_CONFIG_ENV, runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import { drain } from '../../support/event-source';
import { startBulkReceiver, type BulkReceiver } from '../../support/receivers';
import {
  TEST_SOURCES,
  activities,
  createSecret,
  sluice,
  startCliStack,
  workspace,
  type CliStack,
} from './helpers';

const API_KEY = 'ZXMta2V5OnJlYWQtYWdhaW4=';
const REGION = 'us-east-1';

interface ForwardJson {
  stats: { unreadable: number; destinations: Record<string, { delivered: number; quarantined: number }> };
}

/**
 * An ObjectCreated notification exactly as S3 documents it (event structure version 2.1) for a
 * versioned bucket: the key URL-encoded (`+` for a space), the ETag unquoted, the versionId and a
 * sequencer. moto sends neither the versionId nor several of these fields.
 */
function s3Notification(object: {
  bucket: string;
  key: string;
  size: number;
  eTag: string;
  versionId: string;
}): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: '2024-02-01T18:50:05.331Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AROA4QWKES4Y7EXAMPLE:strongdm-log-stream' },
        requestParameters: { sourceIPAddress: '203.0.113.10' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'sluice-strongdm',
          bucket: {
            name: object.bucket,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${object.bucket}`,
          },
          object: {
            key: object.key,
            size: object.size,
            eTag: object.eTag,
            versionId: object.versionId,
            sequencer: '0065BBE8DD2A6F4C1D',
          },
        },
      },
    ],
  });
}

/** StrongDM `replays` records: no id of their own, so each gets the fallback id. */
function replayFrames(count: number): string {
  return (
    Array.from({ length: count }, (_, n) =>
      JSON.stringify({
        logType: 'replays',
        timestamp: '2024-02-01T18:50:04.782960647Z',
        sessionId: 's-1f2e3d',
        data: `frame ${n}`,
      }),
    ).join('\n') + '\n'
  );
}

describe('reading an object again (versioned bucket, moto, local _bulk receiver)', () => {
  let stack: CliStack;
  let bulk: BulkReceiver;
  let dir: string;
  let config: string;
  let configValue: unknown;

  before(async () => {
    stack = await startCliStack({ maxReceiveCount: 5 });
    bulk = await startBulkReceiver({ auth: { apiKey: API_KEY } });
    const secretArn = await createSecret(stack.moto.endpoint, 'sluice/es-read-again', API_KEY);
    configValue = {
      stackName: stack.stackName,
      sources: TEST_SOURCES,
      destinations: [
        { type: 'elasticsearch', name: 'elastic', url: bulk.url, auth: { type: 'api-key', secretArn } },
      ],
    };
    ({ dir, config } = workspace(configValue));
  });
  after(async () => {
    await bulk.close();
    await stack.stop();
  });
  beforeEach(async () => {
    bulk.clear();
    bulk.setAuth({ apiKey: API_KEY });
    await purgeQueues();
  });

  async function purgeQueues(): Promise<void> {
    for (const queueUrl of [
      stack.deployment.objects.queueUrl,
      stack.deployment.objects.deadLetterQueueUrl!,
    ]) {
      await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    }
  }

  /** The deployed forwarder's handler, fed by the object queue as Lambda would. */
  const forwarderHandler = () =>
    createHandler({
      ...stack.env,
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfigOf(parseConfig(configValue))),
      SLUICE_BUCKET: stack.deployment.bucket,
      SLUICE_OBJECT_QUEUE_URL: stack.deployment.objects.queueUrl,
    });

  /** Puts an object, and replaces moto's notification of it with S3's real one (with versionId). */
  async function putNotified(key: string, encodedKey: string, body: string): Promise<void> {
    const put = await stack.aws.s3.send(
      new PutObjectCommand({ Bucket: stack.deployment.bucket, Key: key, Body: body }),
    );
    assert.ok(put.VersionId, 'the bucket is versioned');
    await purgeQueues();
    await stack.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.deployment.objects.queueUrl,
        MessageBody: s3Notification({
          bucket: stack.deployment.bucket,
          key: encodedKey,
          size: Buffer.byteLength(body),
          eTag: put.ETag!.replace(/"/g, ''),
          versionId: put.VersionId,
        }),
      }),
    );
  }

  async function quarantined(): Promise<{ files: string[]; lines: Record<string, unknown>[] }> {
    const prefix = `${stack.deployment.quarantinePrefix}/strongdm/`;
    const listed = await stack.aws.s3.send(
      new ListObjectsV2Command({ Bucket: stack.deployment.bucket, Prefix: prefix }),
    );
    const files = (listed.Contents ?? []).map((object) => object.Key!);
    const lines: Record<string, unknown>[] = [];
    for (const key of files) {
      const response = await stack.aws.s3.send(
        new GetObjectCommand({ Bucket: stack.deployment.bucket, Key: key }),
      );
      const text = await response.Body!.transformToString();
      for (const line of text.trim().split('\n')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return { files, lines };
  }

  it('creates no new Elasticsearch documents when a replay and `forward s3://` read objects first delivered from versioned notifications', async () => {
    const key = 'sdm/logs/replays/2024/02/01/18/50/session one+1.json';
    await putNotified(key, 'sdm/logs/replays/2024/02/01/18/50/session+one%2B1.json', replayFrames(40));
    const first = await drain(stack.aws.sqs, stack.deployment.objects.queueUrl, forwarderHandler());
    assert.deepEqual({ received: first.received, failed: first.failed }, { received: 1, failed: 0 });
    assert.equal(bulk.counters.created, 40, 'the notification delivered every record');

    const replay = await sluice(
      [
        'replay',
        '--json',
        '--config',
        config,
        '--source',
        'strongdm',
        '--from',
        '2024-02-01T18:50Z',
        '--to',
        '2024-02-01T18:51Z',
        '--checkpoint',
        'read-again.json',
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(replay.code, 0, replay.stderr);
    const replayed = await drain(stack.aws.sqs, stack.deployment.objects.queueUrl, forwarderHandler());
    assert.deepEqual({ received: replayed.received, failed: replayed.failed }, { received: 1, failed: 0 });
    assert.deepEqual(
      { created: bulk.counters.created, duplicates: bulk.counters.duplicates },
      { created: 40, duplicates: 40 },
      'the replay created no document: every record answered 409',
    );

    const forward = await sluice(
      [
        'forward',
        `s3://${stack.deployment.bucket}/sdm/logs/replays/2024/02/01/18/50/`,
        '--json',
        '--config',
        config,
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(forward.code, 0, forward.stderr);
    assert.deepEqual(
      { created: bulk.counters.created, duplicates: bulk.counters.duplicates },
      { created: 40, duplicates: 80 },
      '`forward s3://` created no document either',
    );
    assert.equal(bulk.documents().length, 40);
  });

  it('quarantines the bad lines of an object received six times (an outage, then a redrive) once, and counts them once', async () => {
    const key = 'sdm/logs/activities/2024/02/01/19/10/bad lines.json';
    const body = `${activities('q1', 2)}{"broken": \n${activities('q2', 1)}not json at all\n${activities('q3', 2)}`;
    await putNotified(key, 'sdm/logs/activities/2024/02/01/19/10/bad+lines.json', body);

    // Elasticsearch refuses the credentials: every receive fails, until the queue moves the message to the DLQ.
    bulk.setAuth({ apiKey: 'c29tZW9uZS1lbHNlOmtleQ==' });
    const outage = await drain(stack.aws.sqs, stack.deployment.objects.queueUrl, forwarderHandler(), {
      maxPolls: 20,
    });
    assert.equal(outage.failed, 5, 'maxReceiveCount receives, each failed');
    assert.equal(await stack.depth(stack.deployment.objects.deadLetterQueueUrl!), 1);

    bulk.setAuth({ apiKey: API_KEY });
    const redrive = await sluice(['redrive', '--json', '--config', config], { env: stack.env, cwd: dir });
    assert.equal(redrive.code, 0, redrive.stderr);
    const after = await drain(stack.aws.sqs, stack.deployment.objects.queueUrl, forwarderHandler());
    assert.deepEqual({ received: after.received, failed: after.failed }, { received: 1, failed: 0 });
    assert.equal(bulk.counters.created, 5);

    const { files, lines } = await quarantined();
    assert.ok(lines.every((line) => line.key === key));
    assert.deepEqual(
      lines.map((line) => [line.code, line.key, line.offset]).sort(),
      [
        ['INVALID_JSON', key, body.indexOf('{"broken"')],
        ['INVALID_JSON', key, body.indexOf('not json')],
      ].sort(),
      'one entry per bad line after six receives',
    );
    assert.equal(files.length, 1, `one quarantine file: ${files.join(', ')}`);
    assert.match(files[0], /\/strongdm\/2024\/02\/01\/19\/10\/[A-Za-z0-9_-]{27}-0\.json$/);

    // `forward` counts like the forwarder's metrics: the lines were quarantined (and counted) already.
    for (let pass = 0; pass < 2; pass += 1) {
      const forward = await sluice(
        ['forward', `s3://${stack.deployment.bucket}/${key}`, '--json', '--config', config],
        { env: stack.env, cwd: dir },
      );
      assert.equal(forward.code, 0, forward.stderr);
      assert.equal(forward.json<ForwardJson>().stats.unreadable, 0, `pass ${pass + 1}`);
    }
    assert.equal((await quarantined()).lines.length, 2);
  });

  it('counts the bad lines of an object once over several `forward` passes, the first ones failing', async () => {
    const key = 'sdm/logs/activities/2024/02/01/19/20/counted.json';
    const body = `${activities('c1', 1)}{"broken": \n${activities('c2', 1)}not json\n`;
    await stack.aws.s3.send(new PutObjectCommand({ Bucket: stack.deployment.bucket, Key: key, Body: body }));
    const counts: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) {
      // Elasticsearch is down for the first three passes.
      bulk.setAuth({ apiKey: pass < 3 ? 'c29tZW9uZS1lbHNlOmtleQ==' : API_KEY });
      const forward = await sluice(
        ['forward', `s3://${stack.deployment.bucket}/${key}`, '--json', '--config', config],
        { env: stack.env, cwd: dir },
      );
      assert.equal(forward.code, pass < 3 ? 1 : 0, forward.stderr);
      counts.push(forward.json<ForwardJson>().stats.unreadable);
    }
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      2,
      `unreadable per pass: ${counts.join(', ')}`,
    );
    const lines = (await quarantined()).lines.filter((line) => line.key === key);
    assert.equal(lines.length, 2);
  });
});
