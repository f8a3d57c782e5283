import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  BatchResultErrorEntry,
  SendMessageBatchCommand,
  SendMessageBatchCommandOutput,
  SendMessageBatchResultEntry,
} from '@aws-sdk/client-sqs';
import { SluiceError } from '../../../lambda/core/errors';
import { SqsContinuationQueue } from '../../../lambda/adapters/sqs-continuation-queue';
import { sendEachOnce } from '../../../lambda/adapters/sqs-send-each';

type Answer = Pick<SendMessageBatchCommandOutput, 'Successful' | 'Failed'>;
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/sluice-objects';

/**
 * An SQS client that answers each SendMessageBatch as SQS documents it (every entry either in
 * `Successful` or in `Failed`), refusing the bodies `refuse` names on the call it is asked about.
 */
function scriptedSqs(refuse: (call: number, body: string) => boolean | 'throw') {
  const sent: string[][] = [];
  const sqs = {
    send: async (command: SendMessageBatchCommand): Promise<Answer> => {
      const entries = command.input.Entries ?? [];
      sent.push(entries.map((entry) => entry.MessageBody!));
      const call = sent.length;
      if (entries.some((entry) => refuse(call, entry.MessageBody!) === 'throw')) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      const answer = {
        Successful: [] as SendMessageBatchResultEntry[],
        Failed: [] as BatchResultErrorEntry[],
      };
      for (const entry of entries) {
        if (refuse(call, entry.MessageBody!)) {
          answer.Failed.push({
            Id: entry.Id,
            SenderFault: false,
            Code: 'InternalError',
            Message: 'try again',
          });
        } else {
          answer.Successful.push({ Id: entry.Id, MessageId: `m-${call}-${entry.Id}`, MD5OfMessageBody: 'x' });
        }
      }
      return answer;
    },
  };
  return { sqs: sqs as never, sent };
}

const bodies = (count: number) => Array.from({ length: count }, (_, n) => `{"n":${n}}`);
const noWait = { wait: async () => {} };

describe('sending continuation messages, each once', () => {
  it('sends in SendMessageBatch calls of at most 10 entries', async () => {
    const { sqs, sent } = scriptedSqs(() => false);
    const { taken } = await sendEachOnce(sqs, QUEUE, bodies(23), noWait);
    assert.equal(taken.size, 23);
    assert.deepEqual(
      sent.map((call) => call.length),
      [10, 10, 3],
    );
  });

  it('sends again only the entries SQS refused: a body it took is never sent twice', async () => {
    const { sqs, sent } = scriptedSqs((call, body) => call === 1 && body === '{"n":1}');
    const { taken } = await sendEachOnce(sqs, QUEUE, bodies(3), noWait);
    assert.deepEqual([...taken].sort(), [0, 1, 2]);
    assert.deepEqual(sent, [['{"n":0}', '{"n":1}', '{"n":2}'], ['{"n":1}']]);
  });

  it('tries a call that failed again', async () => {
    const { sqs, sent } = scriptedSqs((call) => (call === 1 ? 'throw' : false));
    const { taken } = await sendEachOnce(sqs, QUEUE, bodies(2), noWait);
    assert.equal(taken.size, 2);
    assert.equal(sent.length, 2);
  });

  it('gives up on a body after three attempts and says why', async () => {
    const { sqs, sent } = scriptedSqs((_, body) => body === '{"n":0}');
    const { taken, lastError } = await sendEachOnce(sqs, QUEUE, bodies(2), noWait);
    assert.deepEqual([...taken], [1]);
    assert.equal(sent.filter((call) => call.includes('{"n":0}')).length, 3);
    assert.match(lastError ?? '', /InternalError/);
  });

  it('the forwarder is told how many continuations SQS refused, and sends no body twice', async () => {
    const { sqs, sent } = scriptedSqs((_, body) => body === '{"n":2}');
    const queue = new SqsContinuationQueue(sqs, QUEUE, noWait);
    await assert.rejects(queue.send(bodies(3)), (error: SluiceError) => {
      assert.equal(error.code, 'CONTINUATION_NOT_SENT');
      assert.deepEqual([error.context.refused, error.context.sent], [1, 2]);
      return true;
    });
    assert.equal(sent.flat().filter((body) => body === '{"n":0}').length, 1);
    await queue.send(bodies(2));
  });
});
