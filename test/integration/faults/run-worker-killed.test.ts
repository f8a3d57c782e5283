import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import { activities, createSecret, startCliStack, workspace, type CliStack } from '../cli/helpers';
import { startHoldingProxy, type HoldingProxy } from './support/holding-proxy';

const TOKEN = 'hec-token-run-killed';
const BIN = join(__dirname, '..', '..', '..', 'bin', 'sluice.mjs');
const RECORDS = 20;
const FAST = ['fast0', 'fast1', 'fast2', 'fast3'];
const SLOW = 'slow';

/** Resolves once `condition` holds (checked every 100 ms); false after `timeoutMs`. */
async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  if (!(await eventually(condition, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}

/**
 * `sluice run` killed with SIGKILL in the middle of a batch whose other objects are done. The
 * long-running worker is not bound by Lambda's batch contract: it deletes each message as soon as
 * its object is delivered, so only the unfinished object comes back to the next worker.
 */
describe('fault injection: `sluice run` killed after part of its batch is done', () => {
  let stack: CliStack;
  let hec: HecReceiver;
  let gate: HoldingProxy;
  const children: ChildProcess[] = [];

  before(async () => {
    stack = await startCliStack({ maxReceiveCount: 5 });
    hec = await startHecReceiver({ token: TOKEN });
    // The slow object's requests hang at this destination until the test opens it.
    gate = await startHoldingProxy(hec.url, (body) => body.includes(`"at-${SLOW}-`));
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.deployment.objects.queueUrl }));
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await gate.close();
    await hec.close();
    await stack.stop();
  });

  const worker = (config: string, dir: string) => {
    const child = spawn(
      process.execPath,
      [BIN, 'run', '--json', '--config', config, '--wait-seconds', '1', '--visibility-timeout', '3'],
      {
        cwd: dir,
        env: { ...stack.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, exited, stderr: () => stderr };
  };

  const eventsOf = (tag: string) =>
    hec.events.filter((event) => String((event.event as { id?: unknown }).id).startsWith(`at-${tag}-`))
      .length;
  const queued = () => stack.depth(stack.deployment.objects.queueUrl);

  it('brings back only the unfinished object: the finished ones reach Splunk once', async (t) => {
    const tokenSecretArn = await createSecret(stack.moto.endpoint, 'sluice/hec-run-killed', TOKEN);
    const { dir, config } = workspace({
      stackName: stack.stackName,
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      // A held request must outlast the test's waits, so the batch surely is unfinished when killed;
      // the other objects have requests of their own meanwhile.
      destinations: [
        {
          type: 'splunk-hec',
          name: 'splunk',
          url: gate.url,
          tokenSecretArn,
          requestTimeoutSeconds: 600,
          maxConcurrency: 4,
        },
      ],
    });
    // All five notifications wait in the queue before the worker starts: one receive, one batch.
    for (const [minute, tag] of [...FAST, SLOW].entries()) {
      await stack.putObject(
        `sdm/logs/activities/2024/02/01/18/${10 + minute}/${tag}.json`,
        activities(tag, RECORDS),
      );
    }

    const doomed = worker(config, dir);
    await until(
      () => FAST.every((tag) => eventsOf(tag) === RECORDS) && gate.held > 0,
      120_000,
      `the fast objects to be delivered while the slow one hangs (stderr: ${doomed.stderr()})`,
    );
    // Their messages are deleted as soon as they are done; a worker that waits for the whole batch
    // never gets there while the slow object hangs (the check then falls through to the kill).
    const deletedBeforeKill = await eventually(async () => (await queued()) === 1, 120_000);
    doomed.child.kill('SIGKILL');
    assert.equal((await doomed.exited).signal, 'SIGKILL');
    t.diagnostic(`killed with ${await queued()} message(s) left in the queue (visible or not)`);

    gate.open();
    const next = worker(config, dir);
    await until(
      async () => eventsOf(SLOW) >= RECORDS && (await queued()) === 0,
      120_000,
      `the next worker to deliver what was left (stderr: ${next.stderr()})`,
    );
    next.child.kill('SIGTERM');
    assert.equal((await next.exited).code, 0, next.stderr());

    assert.deepEqual(
      Object.fromEntries([...FAST, SLOW].map((tag) => [tag, eventsOf(tag)])),
      Object.fromEntries([...FAST, SLOW].map((tag) => [tag, RECORDS])),
      'each object reached Splunk once: the finished ones were not delivered again',
    );
    assert.equal(hec.counters.duplicates, 0);
    assert.ok(deletedBeforeKill, 'the finished objects’ messages were deleted before the batch was over');
  });
});
