import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { RedriveReport } from '../../../cli/redrive/redrive';
import {
  TEST_SOURCES,
  drainMessages,
  sendMessages,
  sluice,
  startCliStack,
  workspace,
  twoCtrlCs,
  type CliStack,
} from './helpers';

describe('sluice redrive against moto (receive → send → delete: moto has no message move task)', () => {
  let stack: CliStack;
  let dir: string;
  let config: string;

  before(async () => {
    stack = await startCliStack();
    ({ dir, config } = workspace({ stackName: stack.stackName, sources: TEST_SOURCES }));
  });
  after(() => stack.stop());
  beforeEach(async () => {
    const { deployment, aws } = stack;
    for (const url of [
      deployment.objects.queueUrl,
      deployment.objects.deadLetterQueueUrl,
      deployment.ingest!.queueUrl,
      deployment.ingest!.deadLetterQueueUrl,
    ]) {
      await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    }
  });

  const dead = (count: number) => Array.from({ length: count }, (_, n) => ({ body: JSON.stringify({ n }) }));

  it('dry run: shows what would move and moves nothing', async () => {
    await sendMessages(stack.aws.sqs, stack.deployment.objects.deadLetterQueueUrl!, dead(4));
    const run = await sluice(['redrive', '--dry-run', '--json', '--config', config], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<RedriveReport>();
    assert.deepEqual(
      { dryRun: report.dryRun, moved: report.moved, before: report.before },
      { dryRun: true, moved: 4, before: 4 },
    );
    assert.equal(await stack.depth(stack.deployment.objects.deadLetterQueueUrl!), 4);
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 0);
  });

  it('moves every dead letter back to the object queue after the move task turns out unsupported', async () => {
    await sendMessages(stack.aws.sqs, stack.deployment.objects.deadLetterQueueUrl!, dead(23));
    const run = await sluice(['redrive', '--json', '--rate', '1000', '--config', config], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<RedriveReport>();
    assert.equal(report.method, 'manual');
    assert.match(
      report.fallbackReason ?? '',
      /^the endpoint does not implement StartMessageMoveTask \(.*\); falling back to receive → send → delete$/,
    );
    assert.doesNotMatch(report.fallbackReason ?? '', /SyntaxError/);
    assert.deepEqual(
      { moved: report.moved, left: report.left, sendFailures: report.sendFailures },
      { moved: 23, left: 0, sendFailures: 0 },
    );
    const moved = await drainMessages(stack.aws.sqs, stack.deployment.objects.queueUrl);
    assert.deepEqual(
      moved.map((message) => (JSON.parse(message.Body!) as { n: number }).n).sort((a, b) => a - b),
      Array.from({ length: 23 }, (_, n) => n),
      'every body arrived once',
    );
  });

  it('moves dead letters near the size limit, which ten to a batch would be too long to send', async () => {
    // A continuation carrying many skip ranges can be this large; five of them exceed even 1 MiB.
    const large = Array.from({ length: 5 }, (_, n) => ({
      body: JSON.stringify({ n, pad: 'x'.repeat(230_000) }),
    }));
    for (const message of large) {
      await sendMessages(stack.aws.sqs, stack.deployment.objects.deadLetterQueueUrl!, [message]);
    }
    const run = await sluice(['redrive', '--json', '--rate', '1000', '--config', config], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<RedriveReport>();
    assert.deepEqual(
      { moved: report.moved, left: report.left, sendFailures: report.sendFailures },
      { moved: 5, left: 0, sendFailures: 0 },
    );
    const moved = await drainMessages(stack.aws.sqs, stack.deployment.objects.queueUrl);
    assert.deepEqual(
      moved.map((message) => (JSON.parse(message.Body!) as { n: number }).n).sort((a, b) => a - b),
      [0, 1, 2, 3, 4],
    );
  });

  it('stops on Ctrl-C before it takes a message, leaving every dead letter in the DLQ (exit 0)', async () => {
    const dlq = stack.deployment.objects.deadLetterQueueUrl!;
    await sendMessages(stack.aws.sqs, dlq, dead(4));
    const ctrlCs = twoCtrlCs();
    const run = await sluice(['redrive', '--json', '--config', config], {
      env: stack.env,
      cwd: dir,
      onStopSignal: ctrlCs.onStopSignal,
    });
    assert.equal(ctrlCs.exitCalled(), 'exit(130) called');
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<RedriveReport>();
    assert.equal(report.stoppedBy, 'signal');
    assert.equal(report.moved, 0);
    assert.equal(report.left, 4);
    assert.equal(await stack.depth(dlq), 4);
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 0);
  });

  it('respects --max and reports what is left', async () => {
    await sendMessages(stack.aws.sqs, stack.deployment.objects.deadLetterQueueUrl!, dead(7));
    const run = await sluice(['redrive', '--max', '3', '--config', config], { env: stack.env, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /moved 3 message\(s\).*left in the DLQ: 4/);
    assert.match(run.stdout, /--max moves a counted number/);
    assert.equal(await stack.depth(stack.deployment.objects.queueUrl), 3);
    assert.equal(await stack.depth(stack.deployment.objects.deadLetterQueueUrl!), 4);
  });

  it('moves the ingest DLQ to the ingest queue with the logType message attribute', async () => {
    await sendMessages(stack.aws.sqs, stack.deployment.ingest!.deadLetterQueueUrl!, [
      { body: '{"action":"login"}', attributes: { logType: 'auth' } },
      { body: '{"logType":"orders"}' },
    ]);
    const run = await sluice(['redrive', '--from-dlq', 'ingest', '--json', '--config', config], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json<RedriveReport>().moved, 2);
    const moved = await drainMessages(stack.aws.sqs, stack.deployment.ingest!.queueUrl);
    const login = moved.find((message) => message.Body === '{"action":"login"}');
    assert.equal(login?.MessageAttributes?.logType?.StringValue, 'auth');
    assert.equal(await stack.depth(stack.deployment.ingest!.deadLetterQueueUrl!), 0);
  });

  it('refuses --method native where the endpoint has no move task, moving nothing', async () => {
    await sendMessages(stack.aws.sqs, stack.deployment.objects.deadLetterQueueUrl!, dead(1));
    const run = await sluice(['redrive', '--method', 'native', '--config', config], {
      env: stack.env,
      cwd: dir,
    });
    assert.equal(run.code, 1);
    assert.equal(await stack.depth(stack.deployment.objects.deadLetterQueueUrl!), 1);
  });
});
