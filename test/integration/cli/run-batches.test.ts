import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { queueAttributes, queueDepth } from '../../../cli/aws/queues';
import type { BatchHandler } from '../../../cli/worker/sqs-event';
import { QueueWorker, type WorkerOptions } from '../../../cli/worker/worker';
import { sendMessages, startCliStack, type CliStack } from './helpers';

/**
 * How `sluice run`'s worker shapes and settles batches beyond what one Lambda invocation does:
 * messages deleted as each is done, and batches gathered over several receives.
 */
describe('sluice run: batches gathered over several receives and settled message by message', () => {
  let stack: CliStack;
  let queueUrl: string;
  let queueArn: string;

  before(async () => {
    stack = await startCliStack();
    queueUrl = stack.deployment.objects.queueUrl;
    queueArn = (await queueAttributes(stack.aws.sqs, queueUrl)).arn;
  });
  after(() => stack.stop());
  beforeEach(async () => {
    await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  });

  const worker = (handler: BatchHandler, extra: Partial<WorkerOptions> = {}) =>
    new QueueWorker({ sqs: stack.aws.sqs, queueUrl, queueArn, region: 'us-east-1', handler, ...extra });
  const depth = async () => {
    const { visible, inFlight } = await queueDepth(stack.aws.sqs, queueUrl);
    return { visible, inFlight };
  };
  const bodies = (count: number) =>
    Array.from({ length: count }, (_, n) => ({ body: JSON.stringify({ n }) }));

  it('deletes a message as soon as the handler reports it done, while the rest of its batch is in progress', async () => {
    await sendMessages(stack.aws.sqs, queueUrl, bodies(3));
    let midBatch: { visible: number; inFlight: number } | undefined;
    const consumer = worker(
      async (event, _context, progress) => {
        const [first, second, third] = event.Records;
        await progress!.succeeded(first.messageId);
        await progress!.succeeded(second.messageId);
        midBatch = await depth();
        // Reported done, then listed as failed: it is gone already, so it counts as succeeded.
        return { batchItemFailures: [second, third].map((record) => ({ itemIdentifier: record.messageId })) };
      },
      { visibilityTimeoutSeconds: 300, waitSeconds: 1 },
    );
    const result = await consumer.pollOnce();
    assert.equal(result.received, 3);
    assert.deepEqual(midBatch, { visible: 0, inFlight: 1 }, 'two deleted before the batch was over');
    assert.deepEqual(
      { succeeded: result.succeeded, failed: result.failed, undeleted: result.undeleted },
      {
        succeeded: 2,
        failed: 1,
        undeleted: 0,
      },
    );
    assert.deepEqual(await depth(), { visible: 0, inFlight: 1 }, 'only the failed message remains');
  });

  it('keeps the messages reported done deleted when the batch then fails as a whole', async () => {
    await sendMessages(stack.aws.sqs, queueUrl, bodies(2));
    const consumer = worker(
      async (event, _context, progress) => {
        await progress!.succeeded(event.Records[0].messageId);
        throw new Error('the invocation crashed');
      },
      { visibilityTimeoutSeconds: 300, waitSeconds: 1 },
    );
    const result = await consumer.pollOnce();
    assert.deepEqual({ succeeded: result.succeeded, failed: result.failed }, { succeeded: 1, failed: 1 });
    assert.deepEqual(await depth(), { visible: 0, inFlight: 1 });
  });

  it('gathers a batch over several receives until it holds batchSize messages', async () => {
    await sendMessages(stack.aws.sqs, queueUrl, bodies(25));
    const batches: SQSEvent[] = [];
    const consumer = worker(
      async (event) => {
        batches.push(event);
        return { batchItemFailures: [] };
      },
      // The window is a ceiling the batch size reaches first.
      { batchSize: 25, batchingWindowSeconds: 300, waitSeconds: 1 },
    );
    const result = await consumer.pollOnce();
    assert.equal(batches.length, 1);
    assert.equal(batches[0].Records.length, 25, 'one batch of 25, where one receive returns at most 10');
    assert.equal(new Set(batches[0].Records.map((record) => record.messageId)).size, 25);
    assert.equal(result.succeeded, 25);
    assert.deepEqual(await depth(), { visible: 0, inFlight: 0 });
  });

  it('keeps the messages it gathers invisible until the window closes (heartbeat), where a lapsed visibility would hand them out again', async () => {
    // Three messages, a batch of up to 100: the window (9 s) closes the batch, after three times the
    // messages' 3 s visibility.
    const gatherFor = async (heartbeatSeconds: number) => {
      await stack.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
      await sendMessages(stack.aws.sqs, queueUrl, bodies(3));
      const batches: SQSEvent[] = [];
      const consumer = worker(
        async (event) => {
          batches.push(event);
          return { batchItemFailures: [] };
        },
        {
          batchSize: 100,
          batchingWindowSeconds: 9,
          visibilityTimeoutSeconds: 3,
          heartbeatSeconds,
          waitSeconds: 1,
        },
      );
      await consumer.pollOnce();
      assert.equal(batches.length, 1);
      return batches[0].Records.map((record) => Number(record.attributes.ApproximateReceiveCount));
    };
    const withHeartbeat = await gatherFor(0.25);
    assert.deepEqual(withHeartbeat, [1, 1, 1], 'each message received once while the batch filled up');
    assert.deepEqual(await depth(), { visible: 0, inFlight: 0 });

    const without = await gatherFor(60);
    assert.equal(without.length, 3, 'a message received again is in the batch once');
    assert.ok(
      without.some((count) => count > 1),
      `control: with no extension the 3 s visibility lapses while the batch fills up (${without})`,
    );
  });
});
