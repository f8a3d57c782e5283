import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { DynamoDbAlertStore } from '../../../lambda/adapters/dynamodb-alert-store';
import type { AlertEntry } from '../../../lambda/core/detections/alerts/store';

const TABLE = 'sluice-detections';
const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);
const EXPIRES = T0 + 26 * 3_600_000;
/** Firing groups per invocation in BENCHMARKS.md's burst (3.6 head updates per 1,000 records). */
const GROUPS = 36;

type Item = Record<string, AttributeValue>;

/**
 * A client answering the three operations the store sends as a table would for its member items
 * (Query ranges, BatchWriteItem puts); a head update answers an empty head. Counts every command
 * by operation: what this test measures is requests, not answers (the moto tests check those).
 */
function countingClient() {
  const items = new Map<string, Map<string, Item>>();
  const counts = new Map<string, number>();
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, never> }) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      const input = command.input as Record<string, unknown>;
      if (operation === 'BatchWriteItem') {
        const requests = (input.RequestItems as Record<string, WriteRequest[]>)[TABLE];
        for (const { PutRequest } of requests) {
          const item = PutRequest!.Item!;
          const partition = items.get(item.pk.S!) ?? new Map<string, Item>();
          partition.set(item.sk.S!, item);
          items.set(item.pk.S!, partition);
        }
        return {};
      }
      if (operation === 'Query') {
        const values = input.ExpressionAttributeValues as Record<string, AttributeValue>;
        const [from, to] = [values[':from'].S!, values[':to'].S!];
        const found = [...(items.get(values[':pk'].S!) ?? new Map<string, Item>()).values()];
        return { Items: found.filter((item) => item.sk.S! >= from && item.sk.S! <= to) };
      }
      if (operation === 'UpdateItem') return { Attributes: {} };
      throw new Error(`unexpected ${operation}`);
    },
  } as unknown as DynamoDBClient;
  const take = () => {
    const taken = Object.fromEntries(counts);
    counts.clear();
    return taken;
  };
  return { client, take };
}

/**
 * One wave: a register per group, started in one turn as the engine starts them, of 20 records a
 * second apart from `startMs` (the batch's own), then `stored` records of the window before them.
 */
async function wave(
  store: DynamoDbAlertStore,
  objectIndex: number,
  startMs: number,
  stored = 0,
): Promise<void> {
  await Promise.all(
    Array.from({ length: GROUPS }, (_, group) => {
      const record = (i: number) => ({
        id: `g${group}-o${objectIndex}-r${i}`,
        eventTimeMs: startMs + i * 1_000,
      });
      const members = Array.from({ length: 20 }, (_, i) => record(i)).concat(
        Array.from({ length: stored }, (_, i) => record(-1 - i)),
      );
      const entry: AlertEntry = { trigger: members[0].id, members, stored };
      return store.register(`sdm_query_burst|["a-${group}"]|2024-02-01T13:00:00.000Z`, entry, EXPIRES);
    }),
  );
}

describe('the DynamoDB alert store: requests per wave', () => {
  it(`reads a chunk before writing only when this store has not read it nor an earlier one: a wave of ${GROUPS} growing alerts`, async () => {
    const { client, take } = countingClient();
    const store = new DynamoDbAlertStore(client, TABLE);

    await wave(store, 0, T0);
    assert.deepEqual(
      take(),
      { Query: 2 * GROUPS, BatchWriteItem: Math.ceil(GROUPS / 25), UpdateItem: GROUPS },
      "the first wave of a Lambda: each alert's read, the items 25 to a write, each read again, each head",
    );

    const next = { Query: GROUPS, BatchWriteItem: Math.ceil(GROUPS / 25), UpdateItem: GROUPS };
    await wave(store, 1, T0 + 20_000);
    assert.deepEqual(take(), next, 'the next waves: the items, each read after them, each head');
    await wave(store, 2, T0 + 5 * 60_000);
    assert.deepEqual(take(), next, 'the next 5 minutes of the alerts too: a chunk after those read');

    await wave(store, 2, T0 + 5 * 60_000);
    assert.deepEqual(take(), { UpdateItem: GROUPS }, 'a wave run again (nothing new): only the heads');
  });

  it('reads first a chunk for which the entry brings stored records it does not know (another batch may have registered them)', async () => {
    const { client, take } = countingClient();
    const store = new DynamoDbAlertStore(client, TABLE);
    await wave(store, 0, T0 + 60_000);
    take();
    await wave(store, 1, T0 + 90_000, 3);
    assert.deepEqual(take(), {
      Query: 2 * GROUPS,
      BatchWriteItem: Math.ceil(GROUPS / 25),
      UpdateItem: GROUPS,
    });
    await wave(store, 2, T0 + 10 * 60_000 + 10_000, 3);
    assert.deepEqual(
      take(),
      { Query: 2 * GROUPS, BatchWriteItem: Math.ceil(GROUPS / 25), UpdateItem: GROUPS },
      'a new chunk as well',
    );
  });
});
