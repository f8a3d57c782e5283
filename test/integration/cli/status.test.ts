import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { StatusReport } from '../../../cli/status/status';
import {
  TEST_SOURCES,
  activities,
  sendMessages,
  sluice,
  startCliStack,
  workspace,
  type CliStack,
} from './helpers';

describe('sluice status against moto', () => {
  let stack: CliStack;
  let dir: string;
  let config: string;

  before(async () => {
    stack = await startCliStack();
    ({ dir, config } = workspace({ stackName: stack.stackName, sources: TEST_SOURCES }));
  });
  after(() => stack.stop());

  it('reports depths, the newest object per source, the quarantine and a failing verdict when a DLQ holds messages', async () => {
    const { deployment } = stack;
    // Two minutes of StrongDM objects, and one older one in another log type.
    await stack.putObject('sdm/logs/activities/2024/02/01/18/50/a.json', activities('a', 1));
    await stack.putObject('sdm/logs/activities/2024/02/01/18/51/b.json', activities('b', 1));
    await stack.putObject('sdm/logs/queries/2023/12/31/23/59/c.json', '{"logType":"queries"}\n');
    await stack.putObject('sdm/logs/test', '{}');
    await stack.putObject('sluice/quarantine/strongdm/2024/02/01/18/52/q1.json', '{}\n');
    await stack.putObject('sluice/quarantine/strongdm/2024/02/01/18/53/q2.json', '{}\n');
    await sendMessages(stack.aws.sqs, deployment.objects.deadLetterQueueUrl!, [
      { body: '{"dead":1}' },
      { body: '{"dead":2}' },
    ]);
    await sendMessages(stack.aws.sqs, deployment.ingest!.queueUrl, [{ body: '{"logType":"auth"}' }]);

    const run = await sluice(['status', '--json', '--config', config], { env: stack.env, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<StatusReport>();
    assert.equal(report.deployment, `stack ${stack.stackName}`, 'found through the stack outputs');
    const byName = Object.fromEntries(report.queues.map((queue) => [queue.name, queue]));
    assert.deepEqual(Object.keys(byName).sort(), [
      'ingest DLQ',
      'ingest queue',
      'object DLQ',
      'object queue',
    ]);
    // The s3:TestEvent of the notification configuration, then one notification per source object.
    assert.equal(byName['object queue'].visible, 5);
    assert.equal(byName['object DLQ'].visible, 2);
    assert.equal(byName['ingest queue'].visible, 1);
    assert.equal(
      byName['object queue'].oldestAgeSeconds,
      null,
      'moto publishes no SQS metrics: shown as unknown',
    );

    const strongdm = report.sources!.find((source) => source.name === 'strongdm')!;
    assert.equal(
      strongdm.newest?.key,
      'sdm/logs/activities/2024/02/01/18/51/b.json',
      'the layout walk found the newest object',
    );
    assert.equal(report.sources!.find((source) => source.name === 'apps')!.newest, null);
    assert.deepEqual(report.quarantine, { prefix: 'sluice/quarantine', objects: 2, truncated: false });
    assert.equal(report.verdict.state, 'failing');
    assert.deepEqual(report.verdict.reasons, ['object DLQ holds 2 message(s)']);
  });

  it('prints a human table, finds the deployment from SLUICE_* variables, and turns healthy once the DLQ is empty', async () => {
    const { deployment } = stack;
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: deployment.objects.deadLetterQueueUrl }));
    const env = {
      ...stack.env,
      SLUICE_BUCKET: deployment.bucket,
      SLUICE_OBJECT_QUEUE_URL: deployment.objects.queueUrl,
      SLUICE_OBJECT_DLQ_URL: deployment.objects.deadLetterQueueUrl!,
    };
    const run = await sluice(['status', '--quarantine-limit', '1', '--config', config], { env, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^environment · bucket acme-audit-logs/);
    assert.match(run.stdout, /object queue\s+5\s+0\s+n\/a/);
    assert.match(run.stdout, /quarantined: 1\+ object\(s\)/, 'counting stops at the limit');
    assert.match(run.stdout, /verdict: healthy/);
    assert.doesNotMatch(run.stdout, /ingest/, 'no ingest queue named in the environment');
  });

  it('names the missing variable when the environment names only part of a deployment (exit 2)', async () => {
    const { deployment } = stack;
    const onlyBucket = await sluice(['status'], {
      env: { ...stack.env, SLUICE_BUCKET: deployment.bucket, SLUICE_OBJECT_QUEUE_URL: '' },
      cwd: dir,
    });
    assert.equal(onlyBucket.code, 2, onlyBucket.stderr);
    assert.match(onlyBucket.stderr, /SLUICE_BUCKET is set but SLUICE_OBJECT_QUEUE_URL is not.*Fix:/s);
    assert.doesNotMatch(onlyBucket.stderr, /STACK_NOT_FOUND/, 'no silent fall back to CloudFormation');
    const onlyQueue = await sluice(['status'], {
      env: { ...stack.env, SLUICE_OBJECT_QUEUE_URL: deployment.objects.queueUrl },
      cwd: dir,
    });
    assert.equal(onlyQueue.code, 2, onlyQueue.stderr);
    assert.match(onlyQueue.stderr, /SLUICE_OBJECT_QUEUE_URL is set but SLUICE_BUCKET is not/);
  });

  it('shows the alerts source with detections: its newest alert object, never a quarantined one', async () => {
    const withDetections = workspace({ stackName: stack.stackName, sources: TEST_SOURCES, detections: {} });
    await stack.putObject('sluice/sluice-alerts/2024/02/01/18/00/AbCdEfGhIjKlMnOpQrStUv.json', '{}\n');
    await stack.putObject('sluice/quarantine/strongdm/2024/02/01/19/00/q3.json', '{}\n');
    const run = await sluice(['status', '--json', '--config', withDetections.config], {
      env: stack.env,
      cwd: withDetections.dir,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<StatusReport>();
    assert.deepEqual(
      report.sources!.map((source) => source.name),
      ['strongdm', 'apps', 'sluice'],
    );
    const alerts = report.sources!.find((source) => source.name === 'sluice')!;
    assert.equal(alerts.prefix, 'sluice');
    assert.equal(alerts.newest?.key, 'sluice/sluice-alerts/2024/02/01/18/00/AbCdEfGhIjKlMnOpQrStUv.json');
  });

  it('says which stack it could not find, and how to fix it', async () => {
    const run = await sluice(['status', '--stack', 'Nope'], { env: stack.env, cwd: dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /STACK_NOT_FOUND.*'Nope'.*Fix:/s);
  });

  it('keeps stderr free of the AWS SDK Node version notice when run as the bin, so --json stderr stays JSON lines', async () => {
    // scripts/test.sh sets the SDK's switch for the test process; an operator's shell does not.
    const env = { ...stack.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const bin = join(__dirname, '..', '..', '..', 'bin', 'sluice.mjs');
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [bin, 'status', '--json', '--config', config],
      // A guard against hanging only: the command answers as soon as moto does.
      { cwd: dir, env, timeout: 300_000 },
    );
    assert.equal((JSON.parse(stdout) as StatusReport).deployment, `stack ${stack.stackName}`);
    assert.doesNotMatch(stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
    for (const line of stderr.split('\n').filter(Boolean))
      assert.doesNotThrow(() => JSON.parse(line), `stderr line is not JSON: ${line}`);
  });
});
