import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { queueAttributes, queueDepth } from '../../../cli/aws/queues';
import { QueueWorker } from '../../../cli/worker/worker';
import { startHecReceiver, type HecReceiver } from '../../support/receivers';
import {
  activities,
  createSecret,
  drainMessages,
  sendMessages,
  startCliStack,
  workspace,
  type CliStack,
} from './helpers';
import { waitFor } from '../../support/wait-for';

const TOKEN = 'hec-token-run';
const BIN = join(__dirname, '..', '..', '..', 'bin', 'sluice.mjs');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A deadline that does not keep the test process alive once the race is won. */
const deadline = (ms: number) => new Promise((resolve) => setTimeout(() => resolve('hung'), ms).unref());

describe('sluice run: the worker that plays the event source mapping, against moto', () => {
  let stack: CliStack;
  let hec: HecReceiver;
  let queueUrl: string;
  let queueArn: string;

  before(async () => {
    stack = await startCliStack({ maxReceiveCount: 5 });
    hec = await startHecReceiver({ token: TOKEN });
    queueUrl = stack.deployment.objects.queueUrl;
    queueArn = (await queueAttributes(stack.aws.sqs, queueUrl)).arn;
  });
  after(async () => {
    await hec.close();
    await stack.stop();
  });
  beforeEach(async () => {
    hec.clear();
    for (const url of [queueUrl, stack.deployment.objects.deadLetterQueueUrl]) {
      await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    }
  });

  const worker = (
    handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    extra: Partial<ConstructorParameters<typeof QueueWorker>[0]> = {},
  ) =>
    new QueueWorker({
      sqs: stack.aws.sqs,
      queueUrl,
      queueArn,
      region: 'us-east-1',
      handler,
      waitSeconds: 0,
      ...extra,
    });

  it('hands out batches of at most 10 and deletes exactly the messages that succeeded', async () => {
    await sendMessages(
      stack.aws.sqs,
      queueUrl,
      Array.from({ length: 25 }, (_, n) => ({ body: JSON.stringify({ n }) })),
    );
    const sizes: number[] = [];
    const failing = new Set(['3', '17']);
    const consumer = worker(
      async (event) => {
        sizes.push(event.Records.length);
        return {
          batchItemFailures: event.Records.filter((record) =>
            failing.has(JSON.parse(record.body).n.toString()),
          ).map((record) => ({
            itemIdentifier: record.messageId,
          })),
        };
      },
      { visibilityTimeoutSeconds: 300 },
    );
    for (let poll = 0; poll < 10 && consumer.totals.received < 25; poll += 1) await consumer.pollOnce(1);
    assert.equal(consumer.totals.received, 25);
    assert.ok(
      sizes.every((size) => size <= 10),
      `batch sizes ${sizes}`,
    );
    assert.deepEqual(
      { succeeded: consumer.totals.succeeded, failed: consumer.totals.failed },
      { succeeded: 23, failed: 2 },
    );
    const depth = await queueDepth(stack.aws.sqs, queueUrl);
    assert.deepEqual(
      { visible: depth.visible, inFlight: depth.inFlight },
      { visible: 0, inFlight: 2 },
      'only the failed two remain, invisible until their timeout',
    );
  });

  it('retries failed messages and lets the redrive policy dead-letter them after maxReceiveCount', async () => {
    await sendMessages(stack.aws.sqs, queueUrl, [{ body: '{"poison":true}' }]);
    const consumer = worker(
      async (event) => ({
        batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
      }),
      {
        retryDelaySeconds: 0,
      },
    );
    for (let poll = 0; poll < 12; poll += 1) await consumer.pollOnce(0);
    assert.equal(consumer.totals.failed, 5, 'received maxReceiveCount times');
    assert.equal(await stack.depth(stack.deployment.objects.deadLetterQueueUrl!), 1);
    assert.equal(await stack.depth(queueUrl), 0);
  });

  it('keeps a message invisible while it is processed (heartbeat), where a lapsed visibility would hand it out again', async () => {
    const otherConsumerSees = async () => {
      const { Messages } = await stack.aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 0 }),
      );
      return Messages?.length ?? 0;
    };
    const slowBatch = async (heartbeatSeconds: number) => {
      let seenByOther = 0;
      const consumer = worker(
        async () => {
          for (let check = 0; check < 6; check += 1) {
            await sleep(350);
            seenByOther += await otherConsumerSees();
          }
          return { batchItemFailures: [] };
        },
        { visibilityTimeoutSeconds: 1, heartbeatSeconds },
      );
      await sendMessages(stack.aws.sqs, queueUrl, [{ body: '{"slow":true}' }]);
      await consumer.pollOnce(1);
      return { seenByOther, totals: consumer.totals };
    };
    const withHeartbeat = await slowBatch(0.25);
    assert.equal(withHeartbeat.seenByOther, 0, 'never visible to another consumer during the 2 s batch');
    assert.equal(withHeartbeat.totals.succeeded, 1);
    assert.equal(await stack.depth(queueUrl), 0, 'deleted once done');

    const without = await slowBatch(60);
    assert.ok(without.seenByOther > 0, 'control: with no extension the 1 s visibility lapses mid-batch');
  });

  it('stop() lets the batch in progress finish and settle, and receives nothing more', async () => {
    await sendMessages(stack.aws.sqs, queueUrl, [{ body: '{"a":1}' }, { body: '{"a":2}' }]);
    let started = false;
    const consumer = worker(
      async () => {
        started = true;
        await sleep(1_500);
        return { batchItemFailures: [] };
      },
      { batchSize: 1, waitSeconds: 1 },
    );
    const running = consumer.start();
    await waitFor(() => started, 120_000, 'the first batch');
    await consumer.stop();
    await running;
    assert.equal(consumer.totals.succeeded, 1);
    const depth = await queueDepth(stack.aws.sqs, queueUrl);
    assert.deepEqual(
      { visible: depth.visible, inFlight: depth.inFlight },
      { visible: 1, inFlight: 0 },
      'the second message was never taken',
    );
  });

  it('runs as a process: forwards what lands, and on SIGTERM finishes the delivery in flight, then exits 0', async () => {
    const tokenSecretArn = await createSecret(stack.moto.endpoint, 'sluice/hec-run', TOKEN);
    const { dir, config } = workspace({
      stackName: stack.stackName,
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, tokenSecretArn }],
    });
    const child = spawn(process.execPath, [BIN, 'run', '--json', '--config', config, '--wait-seconds', '1'], {
      cwd: dir,
      env: { ...stack.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close', not 'exit': the process may have exited before its stdout (the report) was all read.
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor(() => stderr.includes('sluice run: forwarding from'), 300_000, 'the worker to start');
      await stack.putObject('sdm/logs/activities/2024/02/01/18/50/first.json', activities('first', 3));
      await waitFor(() => hec.events.length === 3, 300_000, 'the first object');

      hec.injectFaults({ delayMs: 2_000 });
      await stack.putObject('sdm/logs/activities/2024/02/01/18/51/second.json', activities('second', 2));
      const requestsBefore = hec.counters.requests;
      await waitFor(() => hec.counters.requests > requestsBefore, 300_000, 'the second delivery to start');
      child.kill('SIGTERM');
      const code = await Promise.race([exited, deadline(300_000)]);
      assert.equal(code, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.equal(hec.events.length, 5, 'the delivery in flight was finished');
    const report = JSON.parse(stdout) as {
      stoppedBy: string;
      messages: { succeeded: number; failed: number };
      forwarding: { records: number };
    };
    assert.equal(report.stoppedBy, 'SIGTERM');
    assert.equal(report.forwarding.records, 5);
    assert.equal(report.messages.failed, 0);
    const left = await drainMessages(stack.aws.sqs, queueUrl, 3);
    assert.ok(
      left.every((message) => JSON.parse(message.Body!).Event === 's3:TestEvent'),
      'every object notification was deleted once delivered',
    );
  });
});
