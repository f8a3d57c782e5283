import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { drainWithWorkers } from '../../integration/faults/support/workers';

interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  receipts: number;
  heldBy?: string;
}

/**
 * A queue that receives the way moto's server does under concurrent pollers: a ReceiveMessage picks
 * the messages visible when it starts and marks them received only later (in moto, another server
 * thread can run in between), so receives that overlap take the same messages.
 */
function racyQueue(count: number) {
  const messages: QueuedMessage[] = Array.from({ length: count }, (_, index) => ({
    id: `message-${index}`,
    body: JSON.stringify({ object: index }),
    receipts: 0,
  }));
  let handles = 0;
  const byHandle = new Map<string, QueuedMessage>();
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      switch (command.constructor.name) {
        case 'GetQueueAttributesCommand':
          return {
            Attributes: {
              QueueArn: 'arn:aws:sqs:us-east-1:123456789012:objects',
              ApproximateNumberOfMessages: String(messages.filter((m) => !m.heldBy).length),
              ApproximateNumberOfMessagesNotVisible: String(messages.filter((m) => m.heldBy).length),
            },
          };
        case 'ReceiveMessageCommand': {
          const visible = messages
            .filter((m) => !m.heldBy)
            .slice(0, Number(command.input.MaxNumberOfMessages));
          await nextTurn();
          return {
            Messages: visible.map((message) => {
              const handle = `handle-${(handles += 1)}`;
              message.heldBy = handle;
              message.receipts += 1;
              byHandle.set(handle, message);
              return {
                MessageId: message.id,
                ReceiptHandle: handle,
                Body: message.body,
                Attributes: { ApproximateReceiveCount: String(message.receipts) },
              };
            }),
          };
        }
        case 'DeleteMessageCommand': {
          const index = messages.findIndex((m) => m === byHandle.get(String(command.input.ReceiptHandle)));
          if (index >= 0) messages.splice(index, 1);
          return {};
        }
        case 'ChangeMessageVisibilityCommand': {
          const message = byHandle.get(String(command.input.ReceiptHandle));
          if (message && message.heldBy === command.input.ReceiptHandle) message.heldBy = undefined;
          return {};
        }
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  };
  return { sqs: client as unknown as SQSClient, left: () => messages.length };
}

describe('fault scenarios: workers draining a queue', () => {
  it('hand each message to one worker only, even when the queue server can race concurrent receives', async () => {
    const queue = racyQueue(60);
    const handled = new Map<string, number>();
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const record of event.Records)
        handled.set(record.messageId, (handled.get(record.messageId) ?? 0) + 1);
      // Workers forward their objects at the same time: the next receives happen meanwhile.
      await sleep(5);
      return { batchItemFailures: [] };
    };

    const stats = await drainWithWorkers(queue.sqs, 'http://sqs.local/objects', {
      handlers: [handler, handler, handler],
      remainingMs: 10_000,
      timeoutMs: 120_000,
    });

    const twice = [...handled].filter(([, times]) => times > 1).map(([id]) => id);
    assert.deepEqual(twice, [], 'messages forwarded by two workers');
    assert.equal(handled.size, 60);
    assert.equal(stats.received, 60);
    assert.equal(queue.left(), 0);
    assert.ok(stats.invocations >= 6, 'the workers took several batches');
  });
});
