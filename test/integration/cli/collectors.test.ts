import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import type { RunOutcome } from '../../../lambda/core/collectors/types';
import { parseConfig } from '../../../lambda/core/config/load';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import type { Deployment } from '../../../cli/aws/deployment';
import { createLocalStack } from '../../../cli/dev/local-stack';
import type { StatusReport } from '../../../cli/status/status';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { startCirrusSiemApi, type CirrusApi } from '../../support/receivers/cirrus-siem-api';
import { createSecret, motoEnv, sluice, workspace } from './helpers';

const STACK = 'SluiceCollectors';
const BUCKET = 'acme-collected-logs';

describe('sluice pull, collect and status for collectors, against moto and a local Cirrus API', () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let api: CirrusApi;
  let deployment: Deployment;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let config: string;
  let secretArn: string;
  let dynamodb: DynamoDBClient;
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString().replace('.000Z', 'Z');

  before(async () => {
    moto = await startMoto();
    env = motoEnv(moto.endpoint);
    aws = new AwsClients(awsSettings(env));
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    api = await startCirrusSiemApi({ apiKey: 'key', apiSecret: 'secret' });
    api.add(
      { timestamp: at(0), service: 'idp', user: 'alice' },
      { timestamp: at(1), service: 'idp', user: 'bob' },
      { timestamp: at(2), service: 'proxy', user: 'carol' },
      { timestamp: at(3), service: 'idp', user: 'dave' },
      { timestamp: at(4), service: 'idp', user: 'erin' },
    );
    secretArn = await createSecret(
      moto.endpoint,
      'cirrus',
      JSON.stringify({ apiKey: 'key', apiSecret: 'secret' }),
    );
    const raw = {
      stackName: STACK,
      sources: [{ name: 'cirrus', prefix: 'cirrus/logs' }],
      destinations: [{ type: 'file', name: 'siem-file', path: 'delivered.ndjson' }],
      collectors: [
        {
          type: 'cirrus-siem',
          name: 'cirrus-main',
          source: 'cirrus',
          logType: 'siem',
          apiUrl: api.url,
          credentialsSecretArn: secretArn,
          limit: 2,
        },
      ],
    };
    const { destinations: _files, ...deployed } = raw;
    deployment = await createLocalStack(aws, parseConfig(deployed), { bucket: BUCKET, region: 'us-east-1' });
    ({ dir, config } = workspace(raw));
  });
  after(async () => {
    aws.destroy();
    dynamodb.destroy();
    await api.close();
    await moto.stop();
  });

  const keys = async () =>
    ((await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'cirrus/' }))).Contents ?? []).map(
      (object) => object.Key!,
    );
  const checkpoints = () => new DynamoDbCheckpointStore(dynamodb, deployment.collectorTable!);

  it('pulls NDJSON to stdout page after page, with filters, and -x for one query only', async () => {
    const all = await sluice(['pull', 'cirrus-main', '--config', config], { env, cwd: dir });
    assert.equal(all.code, 0, all.stderr);
    const users = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { user: string }).user);
    assert.deepEqual(users(all.stdout), ['alice', 'bob', 'carol', 'dave', 'erin']);
    // Pages of 2, 2 and 1, then the last page's next link once more: Cirrus gives one on every page,
    // and only an empty page answering the same link again shows the end (a short page does not).
    assert.match(all.stderr, /5 event\(s\) in 4 page\(s\)/);

    const filtered = await sluice(
      [
        'pull',
        'cirrus-main',
        '--query',
        'service=idp',
        '--since',
        at(1),
        '--until',
        at(3),
        '--config',
        config,
      ],
      { env, cwd: dir },
    );
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.deepEqual(users(filtered.stdout), ['bob', 'dave']);
    assert.equal(api.requests.at(-1)?.params.get('service'), 'idp', 'the filter went to the API');

    const one = await sluice(['pull', 'cirrus-main', '-x', '--limit', '3', '--config', config], {
      env,
      cwd: dir,
    });
    assert.deepEqual(users(one.stdout), ['alice', 'bob', 'carol']);
    assert.match(one.stderr, /in 1 page\(s\)/);

    const out = await sluice(['pull', 'cirrus-main', '--out', 'events.ndjson', '--config', config], {
      env,
      cwd: dir,
    });
    assert.equal(out.stdout, '');
    assert.deepEqual(users(readFileSync(join(dir, 'events.ndjson'), 'utf8')), users(all.stdout));
    assert.deepEqual(await keys(), [], 'pulling writes nothing into the bucket');
  });

  it('refuses a filter the API does not have, naming it', async () => {
    const bad = await sluice(['pull', 'cirrus-main', '--query', 'colour=red', '--config', config], {
      env,
      cwd: dir,
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /colour/);
    const unknown = await sluice(['pull', 'cirus', '--config', config], { env, cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Fix: use one of cirrus-main/);
  });

  it('backfills a range into the bucket with --to-bucket, leaving the checkpoint alone', async () => {
    const run = await sluice(
      [
        'pull',
        'cirrus-main',
        '--to-bucket',
        '--since',
        at(0),
        '--until',
        at(1),
        '--json',
        '--config',
        config,
      ],
      { env, cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json<RunOutcome>().recordsWritten, 2);
    const written = await keys();
    assert.ok(written.length > 0);
    for (const key of written)
      assert.match(key, /^cirrus\/logs\/siem\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\/[0-9a-f-]{36}\.json\.gz$/);
    assert.equal(await checkpoints().read('cirrus-main'), undefined, 'no checkpoint was written');
  });

  it('stops a --to-bucket backfill on Ctrl-C before it reads another page', async () => {
    let stopped = false;
    const run = await sluice(
      [
        'pull',
        'cirrus-main',
        '--to-bucket',
        '--since',
        at(0),
        '--until',
        at(1),
        '--json',
        '--config',
        config,
      ],
      {
        env,
        cwd: dir,
        // Ctrl-C the moment the command listens for it: before the first page.
        onStopSignal: (handler) => {
          stopped = true;
          handler('SIGINT');
          return () => undefined;
        },
      },
    );
    assert.ok(stopped, 'the backfill listens for Ctrl-C');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json<RunOutcome>().recordsWritten, 0);
  });

  it('ends a collect run on Ctrl-C before it reads a page, releasing its lease for the next run', async () => {
    let stopped = false;
    const run = await sluice(['collect', 'cirrus-main', '--json', '--config', config], {
      env,
      cwd: dir,
      // Ctrl-C the moment the command listens for it: before the first page.
      onStopSignal: (handler) => {
        stopped = true;
        handler('SIGINT');
        return () => undefined;
      },
    });
    assert.ok(stopped, 'collect listens for Ctrl-C');
    assert.equal(run.code, 0, run.stderr);
    const outcome = run.json<RunOutcome>();
    assert.equal(outcome.status, 'paused');
    assert.equal(outcome.recordsWritten, 0);
    // The next test's run collects everything: this one left no lease behind.
  });

  it('collects once as the Lambda does, resumes from the checkpoint, and shows it in sluice status', async () => {
    const first = await sluice(['collect', 'cirrus-main', '--json', '--config', config], { env, cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const outcome = first.json<RunOutcome>();
    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, 5);
    const lines: string[] = [];
    for (const key of await keys()) {
      const body = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      lines.push(
        ...gunzipSync(Buffer.from(await body.Body!.transformToByteArray()))
          .toString('utf8')
          .trim()
          .split('\n'),
      );
    }
    const ids = new Set(
      lines.map((line) => (JSON.parse(line) as { sluice_event_id: string }).sluice_event_id),
    );
    assert.equal(ids.size, 5, 'the backfill and the collector wrote the same five events (same ids)');

    const again = await sluice(['collect', 'cirrus-main', '--config', config], { env, cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /collector cirrus-main caught-up: wrote 0 event\(s\)/);

    const status = await sluice(['status', '--json', '--config', config], { env, cwd: dir });
    assert.equal(status.code, 0, status.stderr);
    const [collector] = status.json<StatusReport>().collectors!;
    assert.equal(collector.name, 'cirrus-main');
    assert.equal(collector.lastRun?.status, 'caught-up');
    assert.equal(collector.newestEventAt, at(4));
    assert.ok(collector.lagSeconds! > 6_000, 'the newest event is almost two hours old');
    assert.equal(collector.checkpoint?.cursor, true, "Cirrus's after position is kept");
    assert.equal(collector.lastError, null);

    const table = await sluice(['status', '--config', config], { env, cwd: dir });
    assert.match(table.stdout, /cirrus-main\s+caught-up/);
  });

  it('fails a run with refused credentials (exit 1), and status shows the error and a failing verdict', async () => {
    await aws.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ apiKey: 'key', apiSecret: 'rotated-wrong' }),
      }),
    );
    const run = await sluice(['collect', 'cirrus-main', '--config', config], { env, cwd: dir });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /COLLECTOR_AUTH_FAILED/);
    assert.doesNotMatch(run.stdout + run.stderr, /rotated-wrong/);
    const status = await sluice(['status', '--json', '--config', config], { env, cwd: dir });
    const report = status.json<StatusReport>();
    assert.equal(report.collectors![0].lastError?.code, 'COLLECTOR_AUTH_FAILED');
    assert.equal(report.verdict.state, 'failing');
    assert.match(report.verdict.summary, /collector cirrus-main failed: COLLECTOR_AUTH_FAILED/);

    // sluice pull answers 1 too, as its --help says, to stdout as into the bucket.
    const pulled = await sluice(['pull', 'cirrus-main', '--config', config], { env, cwd: dir });
    assert.equal(pulled.code, 1, pulled.stderr);
    assert.match(pulled.stderr, /COLLECTOR_AUTH_FAILED/);
    const backfill = await sluice(['pull', 'cirrus-main', '--to-bucket', '--config', config], {
      env,
      cwd: dir,
    });
    assert.equal(backfill.code, 1, backfill.stderr);
    assert.match(backfill.stdout, /COLLECTOR_AUTH_FAILED/);
  });
  it('sluice run --collectors collects on schedule beside the forwarder, which delivers what it wrote', async () => {
    // The refused secret of the test before, made right again: the next run succeeds.
    await aws.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ apiKey: 'key', apiSecret: 'secret' }),
      }),
    );
    api.add({ timestamp: at(5), service: 'idp', user: 'frank' });
    let stop: (signal: NodeJS.Signals) => void = () => undefined;
    const running = sluice(['run', '--collectors', '--wait-seconds', '1', '--json', '--config', config], {
      env,
      cwd: dir,
      onStopSignal: (handler) => {
        stop = handler;
        return () => undefined;
      },
    });
    const delivered = () => {
      try {
        return readFileSync(join(dir, 'delivered.ndjson'), 'utf8');
      } catch {
        return '';
      }
    };
    const giveUpAt = Date.now() + 300_000;
    while (!delivered().includes('"frank"')) {
      assert.ok(Date.now() < giveUpAt, 'timed out waiting for the collected event to be forwarded');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop('SIGTERM');
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<{ collectors: Record<string, { runs: number; eventsWritten: number }> }>();
    assert.ok(report.collectors['cirrus-main'].runs >= 1);
    assert.equal(report.collectors['cirrus-main'].eventsWritten, 1, 'only the new event: it resumed');
    assert.match(run.stderr, /collector cirrus-main caught-up: wrote 1 event/);
  });
});
