import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAlertStore } from '../../../lambda/adapters/dynamodb-alert-store';
import type { AlertEntry } from '../../../lambda/core/detections/alerts/store';
import { createDetectionTable } from '../../support/detection-table';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';
import {
  startDynamoDbFaultProxy,
  type DynamoDbFault,
  type DynamoDbFaultProxy,
} from './support/dynamodb-fault-proxy';

const TABLE = 'sluice-detections';
const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);
const EXPIRES = T0 + 26 * 3_600_000;

/** `count` members in the first minute of T0, ids `<prefix>000000`…, one per millisecond. */
function entry(prefix: string, count: number, first = 0): AlertEntry {
  const members = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${String(first + i).padStart(6, '0')}`,
    eventTimeMs: T0 + ((first + i) % 60_000),
  }));
  return { trigger: members[0].id, members };
}

/**
 * The alert store when DynamoDB applies a write and the answer is lost (a dropped connection, a
 * timeout): the SDK retries the request, and the retry's answer shows the write already applied.
 * `added` must still count what the register added (an opening whose object exists is followed by
 * an update only for a registration that added records), and the count must not grow twice.
 */
describe('the DynamoDB alert store when answers are lost after the write applied (moto)', () => {
  let moto: MotoServer;
  let proxy: DynamoDbFaultProxy;
  let store: DynamoDbAlertStore;
  let clients: DynamoDBClient[];
  /** Faults of the next requests: by operation, the first attempt of each call of it. */
  let loseFirstAttemptOf: Set<string>;
  /** Every attempt of the reads of this alert's members fails (a 500 from DynamoDB). */
  let failReadsOf: string | undefined;
  let dedupKey: string;
  let keys = 0;

  before(async () => {
    moto = await startMoto();
    const direct = new DynamoDBClient(motoClientConfig(moto.endpoint));
    await createDetectionTable(direct, TABLE);
    direct.destroy();
    proxy = await startDynamoDbFaultProxy({
      target: moto.endpoint,
      seed: 1,
      decide: ({ operation, attempt, body }): DynamoDbFault | undefined => {
        if (operation === 'Query' && failReadsOf && body.includes(failReadsOf)) return 'internal';
        return attempt === 1 && loseFirstAttemptOf.has(operation) ? 'lost' : undefined;
      },
    });
    const client = new DynamoDBClient(motoClientConfig(proxy.url));
    clients = [client];
    store = new DynamoDbAlertStore(client, TABLE);
  });
  beforeEach(() => {
    loseFirstAttemptOf = new Set();
    failReadsOf = undefined;
    keys += 1;
    dedupKey = `grant||2024-02-01T13:00:00.000Z#${keys}`;
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await proxy.close();
    await moto.stop();
  });

  it('counts the members a register added when the SDK retried its reads and writes', async () => {
    await store.register(dedupKey, entry('a', 1), EXPIRES);
    await store.markNotified(dedupKey);
    const lostBefore = proxy.counters.byFault.lost;

    loseFirstAttemptOf = new Set(['Query', 'BatchWriteItem', 'UpdateItem']);
    const registration = await store.register(dedupKey, entry('b', 1), EXPIRES);

    assert.equal(
      proxy.counters.byFault.lost - lostBefore,
      3,
      'the member write, the read after it and the head write each answered only on a retry (the chunk was known: no read before)',
    );
    assert.equal(registration.occurrences, 2);
    assert.equal(registration.notified, true);
    assert.equal(registration.added, 1, 'the record it added is reported once');
  });

  it('counts a record once when its register is redelivered after the answers were lost', async () => {
    await store.register(dedupKey, entry('c', 300), EXPIRES);
    loseFirstAttemptOf = new Set(['BatchWriteItem', 'UpdateItem']);
    const first = await store.register(dedupKey, entry('d', 200), EXPIRES);
    loseFirstAttemptOf = new Set();
    const again = await store.register(dedupKey, entry('d', 200), EXPIRES);

    assert.equal(first.occurrences, 500);
    assert.equal(first.added, 200);
    assert.equal(again.occurrences, 500, 'the redelivery finds its members written');
    assert.equal(again.added, 0);
  });

  it(
    "writes the members of a wave's other alerts when one alert's read fails, and that one on its retry",
    { timeout: 120_000 },
    async () => {
      const failing = `${dedupKey}-failing`;
      failReadsOf = failing;
      const [lost, kept] = await Promise.allSettled([
        store.register(failing, entry('f', 50), EXPIRES),
        store.register(dedupKey, entry('k', 50), EXPIRES),
      ]);
      assert.equal(lost.status, 'rejected');
      assert.match(String((lost as PromiseRejectedResult).reason), /read the members of an alert/);
      assert.equal(
        kept.status === 'fulfilled' && kept.value.occurrences,
        50,
        'its round did not wait for the failed one',
      );

      failReadsOf = undefined;
      const retried = await store.register(failing, entry('f', 50), EXPIRES);
      assert.deepEqual([retried.occurrences, retried.added], [50, 50]);
    },
  );
});
