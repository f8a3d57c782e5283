import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../../lambda/core/config/load';
import { createHandler } from '../../../lambda/forwarder/handler';
import { RUNTIME_CONFIG_ENV, runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
import type { Checkpoint } from '../../../cli/replay/checkpoint';
import type { ReplayReport } from '../../../cli/replay/replay';
import { drain } from '../../support/event-source';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import {
  TEST_SOURCES,
  activities,
  createSecret,
  drainMessages,
  sluice,
  startCliStack,
  workspace,
  twoCtrlCs,
  type CliStack,
} from './helpers';

const TOKEN = 'hec-token-replay';
const IN_RANGE = [
  'sdm/logs/activities/2024/02/01/18/50/a b+1.json',
  'sdm/logs/activities/2024/02/01/18/59/x.json',
  'sdm/logs/activities/2024/02/01/19/00/y.json.gz',
  'sdm/logs/queries/2024/02/01/19/30/q.json',
];
const OUT_OF_RANGE = [
  'sdm/logs/activities/2024/02/01/18/49/early.json',
  'sdm/logs/activities/2024/02/01/20/00/late.json',
];
const RANGE = ['--from', '2024-02-01T18:50Z', '--to', '2024-02-01T20:00Z'];

describe('sluice replay against moto', () => {
  let stack: CliStack;
  let hec: HecReceiver;
  let dir: string;
  let config: string;
  let configValue: unknown;

  before(async () => {
    stack = await startCliStack();
    hec = await startHecReceiver({ token: TOKEN });
    const tokenSecretArn = await createSecret(stack.moto.endpoint, 'sluice/hec', TOKEN);
    configValue = {
      stackName: stack.stackName,
      sources: TEST_SOURCES,
      destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn, gzip: false }],
    };
    ({ dir, config } = workspace(configValue));
    for (const [index, key] of [...IN_RANGE, ...OUT_OF_RANGE].entries()) {
      const body = key.startsWith('sdm/logs/queries')
        ? '{"logType":"queries","uuid":"Q1","timestamp":"2024-02-01T19:30:00Z"}\n'
        : activities(`k${index}`, 2);
      await stack.putObject(key, key.endsWith('.gz') ? gzipSync(body) : body);
    }
    await stack.putObject('sdm/logs/test', '{"logType":"activities"}');
  });
  after(async () => {
    await hec.close();
    await stack.stop();
  });
  beforeEach(async () => {
    hec.clear();
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.deployment.objects.queueUrl }));
  });

  const replay = (...args: string[]) =>
    sluice(['replay', '--json', '--config', config, '--source', 'strongdm', ...RANGE, ...args], {
      env: stack.env,
      cwd: dir,
    });

  /** The deployed forwarder's handler, fed by the object queue as Lambda would. */
  const forwarderHandler = () =>
    createHandler({
      ...stack.env,
      SLUICE_S3_FORCE_PATH_STYLE: 'true',
      [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfigOf(parseConfig(configValue))),
      SLUICE_BUCKET: stack.deployment.bucket,
      SLUICE_OBJECT_QUEUE_URL: stack.deployment.objects.queueUrl,
    });

  it('enqueues notifications for exactly the range, resumes from its checkpoint, and the forwarder delivers them unchanged', async () => {
    const first = await replay('--max-objects', '2', '--checkpoint', 'cp.json');
    assert.equal(first.code, 0, first.stderr);
    const partial = first.json<ReplayReport>();
    assert.deepEqual(
      { done: partial.done, complete: partial.complete, stoppedBy: partial.stoppedBy },
      { done: 2, complete: false, stoppedBy: 'max-objects' },
    );
    assert.deepEqual(partial.logTypes, ['activities', 'queries'], 'log types found under the source prefix');
    const checkpoint = JSON.parse(readFileSync(join(dir, 'cp.json'), 'utf8')) as Checkpoint;
    assert.equal(checkpoint.lastKey, IN_RANGE[1]);
    assert.equal(checkpoint.complete, false);

    const second = await replay('--checkpoint', 'cp.json');
    assert.equal(second.code, 0, second.stderr);
    const rest = second.json<ReplayReport>();
    assert.deepEqual(
      {
        done: rest.done,
        doneBefore: rest.doneBefore,
        complete: rest.complete,
        resumedAfter: rest.resumedAfter,
      },
      { done: 2, doneBefore: 2, complete: true, resumedAfter: IN_RANGE[1] },
    );

    const messages = await drainMessages(stack.aws.sqs, stack.deployment.objects.queueUrl);
    const keys = messages.map((message) =>
      decodeURIComponent(
        (
          JSON.parse(message.Body!) as { Records: { s3: { object: { key: string } } }[] }
        ).Records[0].s3.object.key.replace(/\+/g, ' '),
      ),
    );
    assert.deepEqual(keys.sort(), [...IN_RANGE].sort(), 'each object of the range once, nothing outside it');

    // Put them back and let the Lambda handler consume them, as the event source mapping would.
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.deployment.objects.queueUrl }));
    const again = await replay('--checkpoint', 'cp2.json');
    assert.equal(again.json<ReplayReport>().done, 4);
    const drained = await drain(stack.aws.sqs, stack.deployment.objects.queueUrl, forwarderHandler());
    assert.equal(drained.failed, 0);
    assert.equal(hec.events.length, 7, '3 activity objects × 2 records + 1 query');
    assert.ok(
      hec.events.some((event) => event.source === `s3://${stack.deployment.bucket}/${IN_RANGE[0]}`),
      'the key with a space and a plus was read back exactly',
    );

    const finished = await replay('--checkpoint', 'cp.json');
    assert.deepEqual(
      { done: finished.json<ReplayReport>().done, complete: finished.json<ReplayReport>().complete },
      { done: 0, complete: true },
    );
    const restarted = await replay('--checkpoint', 'cp.json', '--restart', '--rate', '100');
    assert.equal(restarted.json<ReplayReport>().done, 4, '--restart replays the range again');
  });

  it('dry run with --log-type lists only that log type and enqueues nothing', async () => {
    const run = await replay('--log-type', 'queries', '--dry-run');
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ReplayReport>();
    assert.deepEqual(
      { listed: report.listed, done: report.done, dryRun: report.dryRun },
      { listed: 1, done: 1, dryRun: true },
    );
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 0);
  });

  it('warns about a --log-type under which no object of the range is found, with the log types there', async () => {
    const typo = await replay('--log-type', 'querys', '--dry-run');
    assert.equal(typo.code, 0, typo.stderr);
    const report = typo.json<ReplayReport>();
    assert.equal(report.listed, 0);
    assert.deepEqual(report.unmatchedLogTypes?.requested, ['querys']);
    assert.ok(report.unmatchedLogTypes?.found.includes('queries'), JSON.stringify(report.unmatchedLogTypes));
    const warnings = typo.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; message: string; logType?: string })
      .filter((line) => line.level === 'warn');
    assert.deepEqual(
      warnings.map((warning) => warning.logType),
      ['querys'],
    );
    assert.match(
      warnings[0].message,
      /^--log-type querys: no object of this log type was found in the range\. Fix: check the name \(the log types there: activities, queries\b/,
    );
    const text = await sluice(
      ['replay', '--config', config, '--source', 'strongdm', ...RANGE, '--log-type', 'querys', '--dry-run'],
      { env: stack.env, cwd: dir },
    );
    assert.match(
      text.stderr,
      /^warning: --log-type querys: no object of this log type was found in the range\./m,
    );

    const found = await replay('--log-type', 'queries', '--dry-run');
    assert.equal(found.json<ReplayReport>().unmatchedLogTypes, undefined);
    assert.doesNotMatch(found.stderr, /--log-type/);
  });

  it('stops on Ctrl-C (exit 0: run it again to continue), and a second Ctrl-C exits 130', async () => {
    const ctrlCs = twoCtrlCs();
    const run = await sluice(
      ['replay', '--json', '--config', config, '--source', 'strongdm', ...RANGE, '--checkpoint', 'stop.json'],
      {
        env: stack.env,
        cwd: dir,
        onStopSignal: ctrlCs.onStopSignal,
      },
    );
    assert.equal(ctrlCs.exitCalled(), 'exit(130) called');
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ReplayReport>();
    assert.deepEqual(
      { stoppedBy: report.stoppedBy, complete: report.complete },
      { stoppedBy: 'signal', complete: false },
    );
    assert.equal(
      await stack.depth(stack.deployment.objects.queueUrl),
      report.done,
      'what was counted was enqueued',
    );
  });

  it('forwards directly with --direct, without the queue', async () => {
    const run = await replay('--direct', '--destination', 'splunk', '--checkpoint', 'direct.json');
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ReplayReport & { forwarding: { records: number } }>();
    assert.equal(report.done, 4);
    assert.equal(report.forwarding.records, 7);
    assert.equal(hec.events.length, 7);
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 0);
  });

  it('replays the alerts source of a configuration with detections: alert objects only, as log type sluice-alerts', async () => {
    const alertKey = 'sluice/sluice-alerts/2024/02/01/19/00/AbCdEfGhIjKlMnOpQrStUv.json';
    await stack.putObject(
      alertKey,
      '{"eventId":"AbCdEfGhIjKlMnOpQrStUv","status":"opened","level":"high","detectedAt":"2024-02-01T19:00:05Z"}\n',
    );
    await stack.putObject('sluice/quarantine/strongdm/2024/02/01/19/01/q.json', '{"reason":"x"}\n');
    const withDetections = workspace({ ...(configValue as object), detections: {} });
    const run = await sluice(
      ['replay', '--json', '--config', withDetections.config, '--source', 'sluice', ...RANGE].concat(
        '--direct',
        '--destination',
        'splunk',
        '--checkpoint',
        'alerts.json',
      ),
      { env: stack.env, cwd: withDetections.dir },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json<ReplayReport>().done, 1, 'the alert object, not the quarantined one');
    assert.equal(hec.events.length, 1);
    const [event] = hec.events;
    assert.equal(event.source, `s3://${stack.deployment.bucket}/${alertKey}`);
    assert.equal(event.sourcetype, 'sluice:sluice-alerts');
    assert.equal(event.time, Date.parse('2024-02-01T19:00:05Z') / 1000, 'the time of detectedAt');
  });

  it("never replays sluice verify's canary objects, whatever their log type", async () => {
    // Two real canaries, written now: one under verify's own log type, one under the vendor's.
    const canaries: string[] = [];
    for (const logType of ['sluice-canary', 'activities']) {
      const verify = await sluice(
        ['verify', '--json', '--config', config, '--no-metrics', '--settle', '0', '--timeout', '1'].concat(
          '--log-type',
          logType,
        ),
        { env: stack.env, cwd: dir },
      );
      canaries.push(verify.json<{ canary: { key: string } }>().canary.key);
    }
    assert.match(canaries[0], /^sdm\/logs\/sluice-canary\/.*\/sluice-canary-[0-9a-f-]+\.json$/);
    assert.match(canaries[1], /^sdm\/logs\/activities\/.*\/sluice-canary-[0-9a-f-]+\.json$/);
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.deployment.objects.queueUrl }));
    const around = ['--from', '1h', '--to', new Date(Date.now() + 120_000).toISOString()];
    const run = await sluice(
      [
        'replay',
        '--json',
        '--config',
        config,
        '--source',
        'strongdm',
        ...around,
        '--checkpoint',
        'canary.json',
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<ReplayReport>();
    assert.ok(report.logTypes.includes('sluice-canary'), 'the canary log type was listed');
    assert.deepEqual(
      { listed: report.listed, done: report.done, canariesSkipped: report.canariesSkipped },
      { listed: 0, done: 0, canariesSkipped: 2 },
    );
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 0, 'nothing enqueued');
  });

  it("refuses to overwrite another replay's unfinished checkpoint, and a reversed range", async () => {
    const partial = await replay('--max-objects', '1', '--checkpoint', 'partial.json');
    assert.equal(partial.json<ReplayReport>().complete, false);
    const other = await sluice(
      [
        'replay',
        '--config',
        config,
        '--source',
        'strongdm',
        '--from',
        '2024-02-01T18:00Z',
        '--to',
        '2024-02-01T19:00Z',
        '--checkpoint',
        'partial.json',
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(other.code, 2);
    assert.match(other.stderr, /belongs to an unfinished replay.*--restart/s);
    // A finished replay's checkpoint is simply replaced by the next replay.
    const next = await sluice(
      [
        'replay',
        '--json',
        '--config',
        config,
        '--source',
        'strongdm',
        '--from',
        '2024-02-01T18:00Z',
        '--to',
        '2024-02-01T18:51Z',
        '--checkpoint',
        'direct.json',
      ],
      { env: stack.env, cwd: dir },
    );
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.json<ReplayReport>().done, 2, 'early.json and the 18:50 object');
    const reversed = await sluice(
      ['replay', '--config', config, '--source', 'strongdm', '--from', '2024-02-02', '--to', '2024-02-01'],
      { env: stack.env, cwd: dir },
    );
    assert.equal(reversed.code, 2);
  });
});
