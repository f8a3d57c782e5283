import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SluiceError } from '../../../lambda/core/errors';
import { moveTaskFallbackReason, redrive } from '../../../cli/redrive/redrive';

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/objects-dlq';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/objects';

/** An SQS double that answers like SQS's message move task API (unit test: real SQS has it, moto does not). */
function fakeSqs(taskStates: { Status: string; moved: number; FailureReason?: string }[]) {
  const sent: object[] = [];
  let depth = 7;
  let polls = 0;
  const client = {
    send: async (command: object) => {
      sent.push(command);
      if (command instanceof GetQueueAttributesCommand) {
        const url = command.input.QueueUrl;
        return {
          Attributes: {
            QueueArn:
              url === DLQ
                ? 'arn:aws:sqs:eu-west-1:123456789012:objects-dlq'
                : 'arn:aws:sqs:eu-west-1:123456789012:objects',
            ApproximateNumberOfMessages: String(url === DLQ ? depth : 0),
            ApproximateNumberOfMessagesNotVisible: '0',
            ApproximateNumberOfMessagesDelayed: '0',
            VisibilityTimeout: '30',
          },
        };
      }
      if (command instanceof StartMessageMoveTaskCommand) return { TaskHandle: 'task-1' };
      if (command instanceof ListMessageMoveTasksCommand) {
        const state = taskStates[Math.min(polls++, taskStates.length - 1)];
        if (state.Status === 'COMPLETED') depth = 0;
        return {
          Results: [
            {
              TaskHandle: 'task-1',
              Status: state.Status,
              ApproximateNumberOfMessagesMoved: state.moved,
              ApproximateNumberOfMessagesToMove: 7,
              FailureReason: state.FailureReason,
            },
          ],
        };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return { client: client as unknown as SQSClient, sent };
}

describe('redrive with the SQS message move task', () => {
  it('starts the task at the requested rate and follows it to completion', async () => {
    const { client, sent } = fakeSqs([
      { Status: 'RUNNING', moved: 3 },
      { Status: 'COMPLETED', moved: 7 },
    ]);
    const progress: number[] = [];
    const report = await redrive(client, {
      deadLetterQueueUrl: DLQ,
      targetQueueUrl: QUEUE,
      rate: 25.7,
      sleep: async () => undefined,
      onProgress: (moved) => progress.push(moved),
    });
    assert.deepEqual(
      {
        method: report.method,
        moved: report.moved,
        left: report.left,
        status: report.status,
        taskHandle: report.taskHandle,
      },
      { method: 'native', moved: 7, left: 0, status: 'COMPLETED', taskHandle: 'task-1' },
    );
    assert.deepEqual(progress, [3, 7]);
    const start = sent.find(
      (command) => command instanceof StartMessageMoveTaskCommand,
    ) as StartMessageMoveTaskCommand;
    assert.deepEqual(start.input, {
      SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:objects-dlq',
      DestinationArn: 'arn:aws:sqs:eu-west-1:123456789012:objects',
      MaxNumberOfMessagesPerSecond: 25,
    });
  });

  it('reports a failed task with its reason', async () => {
    const { client } = fakeSqs([
      { Status: 'FAILED', moved: 1, FailureReason: 'AccessDenied on kms:Decrypt' },
    ]);
    await assert.rejects(
      redrive(client, { deadLetterQueueUrl: DLQ, targetQueueUrl: QUEUE, sleep: async () => undefined }),
      (error: unknown) =>
        error instanceof SluiceError && error.code === 'REDRIVE_FAILED' && /kms:Decrypt/.test(error.message),
    );
  });

  it('explains a fallback in operator terms, without a bare error class name', () => {
    const failure = (name: string, status?: number, message = '') =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    const tail = 'falling back to receive → send → delete';
    const moto = moveTaskFallbackReason(
      failure('SyntaxError', 500, 'Deserialization error: to see the raw response, inspect the hidden field'),
    );
    assert.equal(
      moto,
      `the endpoint does not implement StartMessageMoveTask (it answered HTTP 500 with a body that is not an SQS response); ${tail}`,
    );
    assert.doesNotMatch(moto, /SyntaxError/);
    assert.equal(
      moveTaskFallbackReason(failure('InvalidAction', 400)),
      `the endpoint does not implement StartMessageMoveTask (it answered InvalidAction, HTTP 400); ${tail}`,
    );
    assert.equal(
      moveTaskFallbackReason(failure('Error', 501)),
      `the endpoint does not implement StartMessageMoveTask (it answered HTTP 501); ${tail}`,
    );
  });
});
