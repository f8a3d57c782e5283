import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import type { RunOutcome } from '../../../lambda/core/collectors/types';
import { parseConfig } from '../../../lambda/core/config/load';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import { createLocalStack } from '../../../cli/dev/local-stack';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startSinceOnlyApi, type SinceOnlyApi } from '../../support/receivers/since-only-api';
import { motoEnv, sluice, workspace } from './helpers';

const BUCKET = 'acme-collected-logs';
/** The API's largest page: five events in one second are more than it gives. */
const CAP = 3;

describe('sluice collect checkpoint: the way past COLLECTOR_TIES_EXCEED_PAGE, on the deployed table (moto, local API)', () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let dynamodb: DynamoDBClient;
  let api: SinceOnlyApi;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let store: DynamoDbCheckpointStore;
  const second = Math.floor((Date.now() - 60_000) / 1000) * 1000;
  const ids: Record<string, string[]> = {};

  before(async () => {
    moto = await startMoto();
    env = motoEnv(moto.endpoint);
    aws = new AwsClients(awsSettings(env));
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    api = await startSinceOnlyApi({ maxPerPage: CAP });
    const add = (prefix: string, start: number, offsets: number[]) =>
      (ids[prefix] = offsets.map((offset, index) => {
        const id = `${prefix}${index}`;
        api.events.push({ id, time: new Date(start + offset).toISOString() });
        return id;
      }));
    add('t', second - 200_000, [0]);
    add('u', second, [0, 100, 200, 300, 400]);
    add('v', second + 2_000, [0]);
    const raw = {
      stackName: 'SluiceCheckpoints',
      sources: [{ name: 'audit', prefix: 'audit/acme', timestampField: 'time' }],
      collectors: [
        {
          type: 'http-json',
          name: 'tied',
          source: 'audit',
          logType: 'events',
          url: api.url,
          query: { since: '{since}', limit: '{limit}' },
          auth: { type: 'none' },
          recordsPath: 'events',
          timestampField: 'time',
          idField: 'id',
          limit: 10,
          pagination: { type: 'since' },
        },
      ],
    };
    const deployment = await createLocalStack(aws, parseConfig(raw), { bucket: BUCKET, region: 'us-east-1' });
    store = new DynamoDbCheckpointStore(dynamodb, deployment.collectorTable!);
    ({ dir } = workspace(raw));
  });
  after(async () => {
    aws.destroy();
    dynamodb.destroy();
    await api.close();
    await moto.stop();
  });

  const cli = (args: string[], confirm?: (question: string) => Promise<boolean>) =>
    sluice(args, { env, cwd: dir, ...(confirm ? { confirm } : {}) });

  async function writtenIds(): Promise<string[]> {
    const listed = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'audit/acme/events/' }),
    );
    const found: string[] = [];
    for (const { Key } of listed.Contents ?? []) {
      const object = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
      for (const line of text.split('\n').filter(Boolean))
        found.push((JSON.parse(line) as { id: string }).id);
    }
    return found.sort();
  }

  interface StatusCollector {
    name: string;
    stuck: { at: string; unit: string; atLeastEvents: number | null; command: string } | null;
  }
  async function statusOf(): Promise<{ collector: StatusCollector; verdict: { reasons: string[] } }> {
    const status = await cli(['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = status.json<{ collectors: StatusCollector[]; verdict: { reasons: string[] } }>();
    return { collector: report.collectors.find((c) => c.name === 'tied')!, verdict: report.verdict };
  }

  it('sluice status shows the stuck second, how many events share it, and the command past it', async () => {
    const stopped = await cli(['collect', 'tied', '--json']);
    assert.equal(stopped.json<RunOutcome>().code, 'COLLECTOR_TIES_EXCEED_PAGE', stopped.stderr);

    const command = 'sluice collect checkpoint tied --skip-second';
    const { collector, verdict } = await statusOf();
    assert.deepEqual(collector.stuck, {
      at: new Date(second).toISOString(),
      unit: 'second',
      atLeastEvents: CAP,
      command,
    });
    assert.ok(
      verdict.reasons.some(
        (reason) => reason.includes(command) && !reason.includes('next scheduled run retries'),
      ),
      verdict.reasons.join('\n'),
    );
    const human = await cli(['status']);
    assert.equal(human.code, 0, human.stderr);
    assert.ok(
      human.stdout.includes(
        `collector tied is stuck at second ${new Date(second).toISOString().slice(0, 19)}Z: at least ${CAP} events (a whole page) share it`,
      ),
      human.stdout,
    );
    assert.ok(
      human.stdout.includes(`on purpose (those events are never collected): ${command}`),
      human.stdout,
    );
  });

  it('names the command in the error, shows the second, and moves past it only when confirmed', async () => {
    const stopped = await cli(['collect', 'tied', '--json']);
    assert.equal(stopped.code, 1, stopped.stderr);
    const outcome = stopped.json<RunOutcome>();
    assert.equal(outcome.code, 'COLLECTOR_TIES_EXCEED_PAGE');
    assert.match(outcome.message ?? '', /sluice collect checkpoint tied --skip-second/);

    const shown = await cli(['collect', 'checkpoint', 'tied', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    const view = shown.json<{ lastError: { tiesAt: string }; checkpoint: { since: string } }>();
    assert.equal(view.lastError.tiesAt, new Date(second).toISOString());
    const table = await cli(['collect', 'checkpoint', 'tied']);
    assert.match(table.stdout, /sluice collect checkpoint tied --skip-second/);
    const before = (await store.read('tied'))!.checkpoint;

    // No terminal and no --yes: refused, nothing changed.
    const unconfirmed = await cli(['collect', 'checkpoint', 'tied', '--skip-second']);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    // Asked, and declined.
    const questions: string[] = [];
    const declined = await cli(['collect', 'checkpoint', 'tied', '--skip-second'], async (question) => {
      questions.push(question);
      return false;
    });
    assert.equal(declined.code, 1);
    assert.equal(questions.length, 1);
    assert.match(declined.stderr, /How many is unknown/);
    // A run holding the lease: the table refuses, even with --yes.
    const lease = await store.acquire('tied', 600_000);
    const busy = await cli(['collect', 'checkpoint', 'tied', '--skip-second', '--yes']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr + busy.stdout, /COLLECTOR_LEASE_HELD|holds its lease/);
    await lease!.release({
      status: 'failed',
      recordsWritten: 0,
      objectsWritten: 0,
      code: 'COLLECTOR_TIES_EXCEED_PAGE',
      message: 'again',
      tiesAt: new Date(second).toISOString(),
    });
    assert.deepEqual((await store.read('tied'))!.checkpoint, before, 'nothing moved');

    const moved = await cli(['collect', 'checkpoint', 'tied', '--skip-second'], async () => true);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, new RegExp(`resumes from ${new Date(second + 1000).toISOString()}`));
    assert.equal((await store.read('tied'))!.checkpoint?.since, new Date(second + 1000).toISOString());

    // Past it: the next run collects what follows, and the rest of that second stays skipped.
    const resumed = await cli(['collect', 'tied', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.json<RunOutcome>().status, 'caught-up');
    assert.deepEqual(await writtenIds(), [...ids.t, ...ids.u.slice(0, CAP), ...ids.v].sort());
    const again = await cli(['collect', 'checkpoint', 'tied', '--skip-second', '--yes']);
    assert.equal(again.code, 2, 'no second to skip once a run succeeded');
    assert.equal((await statusOf()).collector.stuck, null, 'status shows no tie once a run got past it');
  });
});
