import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { redrive } from '../../../cli/redrive/redrive';

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/objects-dlq';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/objects';

/**
 * An SQS double holding 25 dead letters; `onReceive` runs as a receive is answered (the moment a
 * Ctrl-C would find messages in hand). Unit test: it has to stop at an exact point of the loop.
 */
function deadLetterQueue(onReceive: () => void) {
  const waiting = Array.from({ length: 25 }, (_, n) => ({ id: `m${n}`, body: `{"n":${n}}` }));
  const sent: string[] = [];
  const deleted: string[] = [];
  let receives = 0;
  const client = {
    send: async (command: object) => {
      if (command instanceof GetQueueAttributesCommand) {
        return {
          Attributes: {
            QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:objects-dlq',
            ApproximateNumberOfMessages: String(waiting.length - deleted.length),
            ApproximateNumberOfMessagesNotVisible: '0',
            ApproximateNumberOfMessagesDelayed: '0',
          },
        };
      }
      if (command instanceof ReceiveMessageCommand) {
        const taken = waiting.slice(receives * 10, receives * 10 + (command.input.MaxNumberOfMessages ?? 1));
        receives += 1;
        onReceive();
        return { Messages: taken.map((m) => ({ MessageId: m.id, Body: m.body, ReceiptHandle: m.id })) };
      }
      if (command instanceof SendMessageBatchCommand) {
        assert.equal(command.input.QueueUrl, QUEUE);
        sent.push(...command.input.Entries!.map((entry) => entry.MessageBody!));
        return { Successful: command.input.Entries!.map((entry) => ({ Id: entry.Id })) };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        deleted.push(...command.input.Entries!.map((entry) => entry.ReceiptHandle!));
        return { Successful: command.input.Entries!.map((entry) => ({ Id: entry.Id })) };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return { client: client as unknown as SQSClient, sent, deleted, receives: () => receives };
}

describe('redrive: Ctrl-C', () => {
  it('sends and deletes the messages it has received, then receives no more', async () => {
    let stop = false;
    const sqs = deadLetterQueue(() => (stop = true));
    const report = await redrive(sqs.client, {
      deadLetterQueueUrl: DLQ,
      targetQueueUrl: QUEUE,
      method: 'manual',
      shouldStop: () => stop,
    });
    assert.equal(sqs.receives(), 1);
    assert.equal(sqs.sent.length, 10, 'the ten in hand were sent');
    assert.deepEqual(
      sqs.deleted,
      Array.from({ length: 10 }, (_, n) => `m${n}`),
      'and deleted once sent',
    );
    assert.equal(report.moved, 10);
    assert.equal(report.left, 15);
    assert.equal(report.stoppedBy, 'signal');
  });

  it('stops waiting for a move task, which keeps running in SQS', async () => {
    let polls = 0;
    const client = {
      send: async (command: object) => {
        if (command instanceof GetQueueAttributesCommand)
          return {
            Attributes: {
              QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:q',
              ApproximateNumberOfMessages: '7',
              ApproximateNumberOfMessagesNotVisible: '0',
              ApproximateNumberOfMessagesDelayed: '0',
            },
          };
        if (command instanceof StartMessageMoveTaskCommand) return { TaskHandle: 'task-1' };
        if (command instanceof ListMessageMoveTasksCommand) {
          polls += 1;
          if (polls > 3) throw new Error('still polling the move task after Ctrl-C');
          return {
            Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 2 }],
          };
        }
        throw new Error(`unexpected ${command.constructor.name}`);
      },
    } as unknown as SQSClient;
    const report = await redrive(client, {
      deadLetterQueueUrl: DLQ,
      targetQueueUrl: QUEUE,
      shouldStop: () => polls >= 1,
      sleep: async () => undefined,
    });
    assert.equal(polls, 1);
    assert.equal(report.method, 'native');
    assert.equal(report.status, 'RUNNING');
    assert.equal(report.taskHandle, 'task-1');
    assert.equal(report.stoppedBy, 'signal');
  });
});
