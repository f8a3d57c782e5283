import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { parseConfig } from '../../../lambda/core/config/load';
import { AwsClients, awsSettings } from '../../../cli/aws/clients';
import { createLocalStack } from '../../../cli/dev/local-stack';
import { spawnCli, type CliProcess } from '../../support/cli-process';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import { sendJson, startLoopbackServer, type LoopbackServer } from '../../support/receivers/server';
import { waitFor } from '../../support/wait-for';
import { motoEnv, workspace } from './helpers';

const STACK = 'SluiceCtrlCRetries';
const BUCKET = 'acme-retried-logs';
/**
 * Far below the retry schedule of the API's second page (20 retries, each at least its Retry-After of
 * 30 s: 10 minutes or more), far above what a stop takes on a loaded machine.
 */
const CEILING_MS = 60_000;

/**
 * `sluice pull` and `sluice collect` as processes, against an API whose first page answers and whose
 * second answers 503 with `Retry-After: 30` to every retry: one Ctrl-C ends the wait between
 * retries at once, keeps the first page, and says where to go on.
 */
describe('the first Ctrl-C ends a page retried with backoff (moto, local API)', () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let dynamodb: DynamoDBClient;
  let store: DynamoDbCheckpointStore;
  let api: LoopbackServer;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let config: string;
  /** 503s answered, per collector (each asks its own path: a process left over cannot count for the next). */
  const unavailable = new Map<string, number>();
  const times = [Date.now() - 600_000, Date.now() - 540_000].map((at) => new Date(at).toISOString());
  const events = times.map((time, index) => ({ id: `e${index}`, time, action: 'login' }));

  before(async () => {
    moto = await startMoto();
    env = motoEnv(moto.endpoint, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    aws = new AwsClients(awsSettings(env));
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    api = await startLoopbackServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.searchParams.get('page') === '2') {
        unavailable.set(url.pathname, (unavailable.get(url.pathname) ?? 0) + 1);
        res.writeHead(503, { 'retry-after': '30' }).end();
        return;
      }
      const next = `http://${req.headers.host}${url.pathname}?page=2`;
      sendJson(res, 200, { events }, { link: `<${next}>; rel="next"` });
    }, 'retried-api');
    const collector = (name: string) => ({
      type: 'http-json',
      name,
      source: 'audit',
      logType: name,
      url: `${api.url}/events/${name}`,
      query: { since: '{since}', page: '1' },
      auth: { type: 'none' },
      recordsPath: 'events',
      timestampField: 'time',
      idField: 'id',
      pagination: { type: 'link-header' },
      // The longest budget: without the stop, a run waits out the whole retry schedule.
      runTimeoutSeconds: 900,
    });
    const raw = {
      stackName: STACK,
      sources: [{ name: 'audit', prefix: 'audit/acme', timestampField: 'time' }],
      collectors: [collector('pulled'), collector('backfilled'), collector('collected')],
    };
    const deployment = await createLocalStack(aws, parseConfig(raw), { bucket: BUCKET, region: 'us-east-1' });
    store = new DynamoDbCheckpointStore(dynamodb, deployment.collectorTable!);
    ({ dir, config } = workspace(raw));
  });
  after(async () => {
    aws.destroy();
    dynamodb.destroy();
    await api.close();
    await moto.stop();
  });

  /** One Ctrl-C once the second page has been answered 503: the command must end on its own. */
  async function interruptWhileRetrying(collector: string, args: string[]): Promise<CliProcess> {
    const child = spawnCli([...args, '--config', config], { cwd: dir, env });
    try {
      await waitFor(
        () => unavailable.has(`/events/${collector}`) || !child.running(),
        300_000,
        'the first 503',
      );
      assert.ok(child.running(), `it waits to retry the 503: ${child.stderr()}`);
      child.signal('SIGINT');
      const code = await child.closed(CEILING_MS);
      assert.equal(code, 0, `ended by the first Ctrl-C, without waiting out the retries:\n${child.stderr()}`);
    } finally {
      if (child.running()) child.signal('SIGKILL');
    }
    return child;
  }

  it('sluice pull: prints the first page and the --since that reads the rest', async () => {
    const child = await interruptWhileRetrying('pulled', ['pull', 'pulled', '--since', '1h']);
    const lines = child.stdout().split('\n').filter(Boolean);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { id: string }).id),
      ['e0', 'e1'],
    );
    assert.match(child.stderr(), /2 event\(s\) in 1 page\(s\).*\(interrupted\)/);
    assert.ok(
      child.stderr().includes(`stopped by SIGINT: the same command with --since ${times[1]} reads the rest`),
      child.stderr(),
    );
  });

  it('sluice pull --to-bucket: writes the first page and reports where to go on', async () => {
    const child = await interruptWhileRetrying('backfilled', [
      'pull',
      'backfilled',
      '--to-bucket',
      '--since',
      '1h',
      '--json',
    ]);
    const result = JSON.parse(child.stdout()) as Record<string, unknown>;
    assert.equal(result.status, 'paused');
    assert.equal(result.recordsWritten, 2);
    assert.equal(result.resumeSince, times[1]);
  });

  it('sluice collect: writes the first page, moves the checkpoint only past it, releases the lease', async () => {
    const child = await interruptWhileRetrying('collected', ['collect', 'collected', '--json']);
    const result = JSON.parse(child.stdout()) as Record<string, unknown>;
    assert.equal(result.status, 'paused');
    assert.equal(result.recordsWritten, 2);
    const state = await store.read('collected');
    assert.equal(state?.leaseOwner, undefined, 'the lease is released');
    assert.equal(state?.lastRunStatus, 'paused');
    assert.equal(state?.checkpoint?.newestEventAt, times[1], 'the checkpoint holds the first page, no more');
    assert.equal(result.resumesFrom, state?.checkpoint?.since);
    assert.equal(state?.checkpoint?.written.length, 2);
  });
});
