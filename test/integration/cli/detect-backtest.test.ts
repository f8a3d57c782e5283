import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { BacktestReport } from '../../../cli/detect/backtest';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import {
  TEST_SOURCES,
  createSecret,
  sluice,
  startCliStack,
  workspace,
  type CliStack,
  twoCtrlCs,
} from './helpers';

const TOKEN = 'hec-token-backtest';
const RANGE = ['--from', '2024-02-01T13:00Z', '--to', '2024-02-01T14:00Z'];
const BURST_ACCOUNT = 'a-0burstburstbur00';

/** A StrongDM query record (seed 003's shape). */
function query(uuid: string, at: Date, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    formatVersion: 'v1.0.0',
    logType: 'queries',
    uuid,
    actorAccountID: 'a-0quietquietqui00',
    actorEmail: 'bob.belcher@strongdm.com',
    durationMs: '20',
    query: 'select name from users',
    queryCategory: 'datasource',
    resourceName: 'MySQL',
    resourceTags: { env: 'dev' },
    resourceType: 'mysql',
    sourceIp: '1.11.222.33',
    timestamp: at.toISOString(),
    ...fields,
  };
}

const ndjson = (records: readonly unknown[]) =>
  records.map((record) => JSON.stringify(record)).join('\n') + '\n';

describe('sluice detect backtest against moto', () => {
  let stack: CliStack;
  let hec: HecReceiver;
  let dir: string;
  let config: string;

  before(async () => {
    stack = await startCliStack();
    hec = await startHecReceiver({ token: TOKEN });
    const tokenSecretArn = await createSecret(stack.moto.endpoint, 'sluice/hec-backtest', TOKEN);
    ({ dir, config } = workspace({
      stackName: stack.stackName,
      sources: TEST_SOURCES,
      destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn, gzip: false }],
    }));
    // A burst of 120 statements of one account within 60 seconds, written as two objects a minute
    // apart (the second gzip): only counted across objects does it reach the correlation's 100.
    const start = Date.UTC(2024, 1, 1, 13, 20, 10);
    const burst = Array.from({ length: 120 }, (_, i) =>
      query(`burst-${i}`, new Date(start + i * 400), { actorAccountID: BURST_ACCOUNT }),
    );
    await stack.putObject('sdm/logs/queries/2024/02/01/13/20/a.json', ndjson(burst.slice(0, 60)));
    await stack.putObject('sdm/logs/queries/2024/02/01/13/21/b.json.gz', gzipSync(ndjson(burst.slice(60))));
    await stack.putObject(
      'sdm/logs/queries/2024/02/01/13/40/c.json',
      ndjson([
        query('drop-1', new Date(Date.UTC(2024, 1, 1, 13, 40, 2)), {
          query: 'DROP TABLE users',
          resourceName: 'orders-postgres-prod',
          resourceTags: { env: 'prod' },
        }),
        query('quiet-1', new Date(Date.UTC(2024, 1, 1, 13, 40, 3))),
      ]),
    );
    // Outside the range: never read, so its destructive statement alerts nothing.
    await stack.putObject(
      'sdm/logs/queries/2024/02/01/14/00/late.json',
      ndjson([
        query('drop-late', new Date(Date.UTC(2024, 1, 1, 14, 0, 1)), {
          query: 'TRUNCATE orders',
          resourceTags: { env: 'prod' },
        }),
      ]),
    );
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await hec.close();
    await stack.stop();
  });

  it('reports the alerts the range would have fired, a correlation across objects included, and sends nothing', async () => {
    const queued = await stack.depth(stack.deployment.objects.queueUrl);
    const result = await sluice(['detect', 'backtest', '--json', '--config', config, ...RANGE], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<BacktestReport>();
    assert.equal(report.bucket, stack.deployment.bucket);
    assert.deepEqual(
      report.sources.map((source) => [source.name, source.objects]),
      [
        ['strongdm', 3],
        ['apps', 0],
      ],
    );
    assert.equal(report.records, 122);
    assert.deepEqual(report.matchesPerRule, { sdm_query: 122, sdm_destructive_sql_prod: 1 });
    assert.deepEqual(
      report.alerts.map((alert) => [alert.rule, alert.level, alert.group, alert.count, alert.occurrences]),
      [
        ['sdm_query_burst', 'medium', { actorAccountID: BURST_ACCOUNT }, 120, 120],
        ['sdm_destructive_sql_prod', 'high', {}, 1, 1],
      ],
    );
    const burst = report.alerts[0].document;
    assert.equal(burst.firstEventTime, '2024-02-01T13:20:10.000Z');
    assert.equal(burst.lastEventTime, '2024-02-01T13:20:57.600Z');
    assert.ok(
      burst.records.every((record) =>
        record.location.startsWith(`s3://${stack.deployment.bucket}/sdm/logs/queries/`),
      ),
      'each record is located in its object',
    );
    assert.equal(report.alerts[1].document.records[0].id, 'drop-1');

    // Nothing was sent: no request to the destination, no notification enqueued.
    assert.equal(hec.counters.requests, 0);
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), queued);

    const text = await sluice(['detect', 'backtest', '--config', config, ...RANGE, '--source', 'strongdm'], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^2 alert\(s\) would fire:$/m);
    assert.match(text.stdout, /^nothing was sent \(a backtest only reports\)$/m);
  });

  it('reports what was read on Ctrl-C (exit 0), and a second Ctrl-C exits 130', async () => {
    const ctrlCs = twoCtrlCs();
    const result = await sluice(['detect', 'backtest', '--json', '--config', config, ...RANGE], {
      env: stack.env,
      cwd: dir,
      onStopSignal: ctrlCs.onStopSignal,
    });
    assert.equal(ctrlCs.exitCalled(), 'exit(130) called');
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<BacktestReport>();
    assert.equal(report.stoppedBy, 'signal');
    assert.equal(report.records, 0);
  });

  it('refuses a source the configuration does not have', async () => {
    const result = await sluice(['detect', 'backtest', '--config', config, ...RANGE, '--source', 'nope'], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /source 'nope' is not in .*Fix: use one of strongdm, apps/);
  });
});
