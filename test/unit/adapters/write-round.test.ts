import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { WriteRound } from '../../../lambda/adapters/write-round';

const put = (sk: string): [string, WriteRequest] => [
  `p\u0000${sk}`,
  { PutRequest: { Item: { pk: { S: 'p' }, sk: { S: sk } } } },
];

function recordingRound(fail?: Error) {
  const flushes: string[][] = [];
  const round = new WriteRound(async (requests) => {
    flushes.push(requests.map((request) => request.PutRequest!.Item!.sk.S!));
    if (fail) throw fail;
  });
  return { round, flushes };
}

describe('WriteRound', () => {
  it('writes nothing until every caller has submitted or left, then everything in one flush', async () => {
    const { round, flushes } = recordingRound();
    const [a, b, c] = [round.ticket(), round.ticket(), round.ticket()];
    const first = a.submit(new Map([put('a1'), put('a2')]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(flushes, [], 'b and c are still reading');
    b.leave();
    const third = c.submit(new Map([put('c1')]));
    await Promise.all([first, third]);
    assert.deepEqual(flushes, [['a1', 'a2', 'c1']]);
  });

  it('writes an item submitted twice once (DynamoDB refuses a batch naming an item twice)', async () => {
    const { round, flushes } = recordingRound();
    const [a, b] = [round.ticket(), round.ticket()];
    await Promise.all([a.submit(new Map([put('same')])), b.submit(new Map([put('same'), put('b')]))]);
    assert.deepEqual(flushes, [['same', 'b']]);
  });

  it('fails every submitter when the write fails, and none that left', async () => {
    const { round } = recordingRound(new Error('throttled'));
    const [a, b, c] = [round.ticket(), round.ticket(), round.ticket()];
    c.leave();
    const results = await Promise.allSettled([a.submit(new Map([put('a')])), b.submit(new Map([put('b')]))]);
    assert.deepEqual(
      results.map((result) => result.status === 'rejected' && (result.reason as Error).message),
      ['throttled', 'throttled'],
    );
  });

  it('does not flush when every caller left without puts; leaving after submitting changes nothing', async () => {
    const { round, flushes } = recordingRound();
    const [a, b] = [round.ticket(), round.ticket()];
    a.leave();
    b.leave();
    b.leave();
    assert.deepEqual(flushes, []);
    const { round: other, flushes: written } = recordingRound();
    const ticket = other.ticket();
    await ticket.submit(new Map([put('x')]));
    ticket.leave();
    await assert.rejects(ticket.submit(new Map([put('y')])), /used once/);
    assert.deepEqual(written, [['x']]);
  });
});
