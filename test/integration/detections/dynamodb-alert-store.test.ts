import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hash } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { seededRandom } from '../../../bench/data/random';
import { partitionKeyOf } from '../../../lambda/adapters/detection-table';
import { ALERT_CHUNK_MS, DynamoDbAlertStore } from '../../../lambda/adapters/dynamodb-alert-store';
import { MemoryAlertStore, type AlertEntry } from '../../../lambda/core/detections/alerts/store';
import { countRequests, createDetectionTable, itemBytes, itemsOf } from '../../support/detection-table';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

const TABLE = 'sluice-detections';
const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);
const HOUR = 3_600_000;
const EXPIRES = T0 + 26 * HOUR;

function entry(trigger: string, members: [string, number][]): AlertEntry {
  return { trigger, members: members.map(([id, offsetMs]) => ({ id, eventTimeMs: T0 + offsetMs })) };
}

describe('the DynamoDB alert store (moto)', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  let store: DynamoDbAlertStore;

  before(async () => {
    moto = await startMoto();
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    await createDetectionTable(dynamodb, TABLE);
    store = new DynamoDbAlertStore(dynamodb, TABLE);
  });
  after(async () => {
    dynamodb.destroy();
    await moto.stop();
  });

  it('answers every registration as the memory store does, redeliveries, notifications and steps written included', async () => {
    const random = seededRandom(5);
    const memory = new MemoryAlertStore();
    const keys = [
      'burst|["a-alice"]|2024-02-01T13:00:00.000Z',
      'burst|["a-bob"]|2024-02-01T13:00:00.000Z',
      'grant||2024-02-01T13:00:00.000Z',
    ];
    const sent: [string, AlertEntry][] = [];
    for (let step = 0; step < 80; step += 1) {
      let dedupKey: string;
      let next: AlertEntry;
      if (sent.length > 0 && random.chance(0.2)) {
        [dedupKey, next] = random.pick(sent); // a redelivery
      } else {
        dedupKey = random.pick(keys);
        const members: [string, number][] = Array.from({ length: random.int(1, 20) }, () => {
          const n = random.int(0, 400);
          // Record ids are fixed by the record: its time follows from its id.
          return [`r${n}`, n * 1_500];
        });
        next = entry(random.pick(members)[0], members);
        sent.push([dedupKey, next]);
      }
      const expected = await memory.register(dedupKey, next, EXPIRES);
      const answered = await store.register(dedupKey, next, EXPIRES);
      assert.deepEqual(answered, expected, `step ${step}`);
      if (random.chance(0.1)) {
        const shown = random.pick([0, 2, 5]);
        await memory.markNotified(dedupKey, shown);
        await store.markNotified(dedupKey, shown);
      } else if (random.chance(0.15)) {
        // Marks may land in any order (two Lambdas): the step written is the largest.
        const step = random.pick([2, 5, 10, 20]);
        await memory.markStepWritten(dedupKey, step);
        await store.markStepWritten(dedupKey, step);
      }
    }
  });

  it('answers first and last event times exactly, whole milliseconds or not', async () => {
    const key = 'fractions||2024-02-01T13:00:00.000Z';
    const fractional: AlertEntry = {
      trigger: 'f-1',
      members: [
        { id: 'f-1', eventTimeMs: T0 + 0.25 },
        { id: 'f-2', eventTimeMs: T0 + 1_000 },
        { id: 'f-3', eventTimeMs: T0 + 61_000.5 },
      ],
    };
    const answered = await store.register(key, fractional, EXPIRES);
    assert.deepEqual(answered, await new MemoryAlertStore().register(key, fractional, EXPIRES));
    assert.deepEqual([answered.firstEventMs, answered.lastEventMs], [T0 + 0.25, T0 + 61_000.5]);
  });

  it('keeps members as times within their chunk and digests of their ids, and counts on the shards of earlier versions', async () => {
    const key = 'upgrade||2024-02-01T13:00:00.000Z';
    const pk = partitionKeyOf('a#', key);
    const chunkMinute = T0 / 60_000;
    const put = (item: Record<string, AttributeValue>) =>
      dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, ...item } }));
    // As earlier versions left the alert: a shard of absolute `<event time>#<id>` members, one of
    // `<time in its chunk, base 36>#<id>` (2026-12-01), and their summaries.
    await put({
      sk: { S: `m#${chunkMinute}` },
      m: { SS: [`${T0 + 2_000}#old-1`, `${T0 + 3_000}#old-2`] },
      b: { N: '40' },
    });
    await put({ sk: { S: `m#r${chunkMinute - 5}` }, m: { SS: ['0#older-1'] }, b: { N: '9' } });
    await put({
      sk: { S: 'alert' },
      openedBy: { S: 'older-1' },
      notified: { BOOL: true },
      [`n:${chunkMinute}`]: { SS: ['2:2000:3000'] },
      [`n:r${chunkMinute - 5}`]: { SS: ['1:0:0'] },
    });
    const answered = await store.register(
      key,
      {
        trigger: 'new-1',
        members: [
          { id: 'new-1', eventTimeMs: T0 + 1_000 },
          { id: 'new-2', eventTimeMs: T0 + 299_999 },
          { id: 'new-3', eventTimeMs: T0 + 5_000.5 },
        ],
      },
      EXPIRES,
    );
    assert.deepEqual(answered, {
      openedBy: 'older-1',
      occurrences: 6,
      added: 3,
      notified: true,
      stepWritten: 0,
      firstEventMs: T0 - 300_000,
      lastEventMs: T0 + 299_999,
    });
    const digest = (id: string) => hash('sha256', id, 'base64url').slice(0, 16);
    const shard = (await itemsOf(dynamodb, TABLE, pk)).find((item) => item.sk.S === `m#h${chunkMinute}`);
    assert.deepEqual(shard?.m.SS?.sort(), [
      `${(299_999).toString(36)}#${digest('new-2')}`,
      `rs#${digest('new-1')}`,
      `~${T0 + 5_000.5}#${digest('new-3')}`,
    ]);
  });

  it('opens with the first trigger, stays unnotified until marked, then answers only what is new and the steps written', async () => {
    const key = 'sessions||2024-02-01T13:00:00.000Z';
    const first = await store.register(
      key,
      entry('s-2', [
        ['s-2', 1_000],
        ['s-3', 2_000],
      ]),
      EXPIRES,
    );
    assert.deepEqual(first, {
      openedBy: 's-2',
      occurrences: 2,
      added: 2,
      notified: false,
      stepWritten: 0,
      firstEventMs: T0 + 1_000,
      lastEventMs: T0 + 2_000,
    });
    const again = await store.register(
      key,
      entry('s-1', [
        ['s-1', 500],
        ['s-2', 1_000],
      ]),
      EXPIRES,
    );
    assert.equal(again.openedBy, 's-2', 'the first trigger ever opened it');
    assert.equal(again.added, 1);
    assert.equal(again.notified, false);
    await store.markNotified(key, 2);
    const redelivered = await store.register(
      key,
      entry('s-1', [
        ['s-1', 500],
        ['s-2', 1_000],
      ]),
      EXPIRES,
    );
    assert.deepEqual(redelivered, {
      openedBy: 's-2',
      occurrences: 3,
      added: 0,
      notified: true,
      stepWritten: 2,
      firstEventMs: T0 + 500,
      lastEventMs: T0 + 2_000,
    });
    // Two Lambdas' marks, in either order: the step written is the largest.
    await store.markStepWritten(key, 5);
    await store.markStepWritten(key, 2);
    assert.equal((await store.register(key, entry('s-1', [['s-1', 500]]), EXPIRES)).stepWritten, 5);
  });

  it('creates nothing when marking an alert it does not hold', async () => {
    await store.markNotified('expired|x|2024-01-01T00:00:00.000Z', 5);
    await store.markStepWritten('expired|x|2024-01-01T00:00:00.000Z', 10);
    assert.deepEqual(
      await itemsOf(dynamodb, TABLE, partitionKeyOf('a#', 'expired|x|2024-01-01T00:00:00.000Z')),
      [],
    );
  });

  it('sets the TTL attribute in epoch seconds on every item, and a later expiry moves it', async () => {
    const key = 'ttl|x|2024-02-01T13:00:00.000Z';
    await store.register(
      key,
      entry('t1', [
        ['t1', 0],
        ['t2', 2 * ALERT_CHUNK_MS],
      ]),
      T0 + HOUR + 1,
    );
    const pk = partitionKeyOf('a#', key);
    const items = await itemsOf(dynamodb, TABLE, pk);
    assert.equal(items.length, 3, 'the head and one shard per chunk (5 minutes) of event time');
    for (const item of items) assert.equal(item.expiresAt.N, String(Math.ceil((T0 + HOUR + 1) / 1000)));
    await store.register(
      key,
      entry('t1', [
        ['t1', 0],
        ['t2', 2 * ALERT_CHUNK_MS],
      ]),
      T0 + 2 * HOUR,
    );
    for (const item of await itemsOf(dynamodb, TABLE, pk))
      assert.equal(item.expiresAt.N, String((T0 + 2 * HOUR) / 1000));
  });

  it('keeps a burst alert of 40,000 records in shards under 400 KB, counting each record once', async () => {
    const key = 'burst|["a-bulk-loader"]|2024-02-01T13:00:00.000Z';
    const id = (i: number) => `${'q'.repeat(40)}-${String(i).padStart(6, '0')}`;
    // 30,000 records in one minute (more than one shard holds), then 10,000 over the next ten.
    const times = (i: number) => (i < 30_000 ? i : 60_000 + (i - 30_000) * 60);
    let last;
    for (let start = 0; start < 40_000; start += 2_000) {
      const members = Array.from(
        { length: 2_000 },
        (_, k) => [id(start + k), times(start + k)] as [string, number],
      );
      last = await store.register(key, entry(id(start), members), EXPIRES);
      assert.equal(last.added, 2_000);
    }
    assert.equal(last?.occurrences, 40_000);
    assert.equal(last?.openedBy, id(0));
    assert.equal(last?.firstEventMs, T0);
    assert.equal(last?.lastEventMs, T0 + times(39_999));

    // Redelivered, in other batches: nothing new.
    for (let start = 1_000; start < 40_000; start += 3_000) {
      const members = Array.from(
        { length: Math.min(3_000, 40_000 - start) },
        (_, k) => [id(start + k), times(start + k)] as [string, number],
      );
      const again = await store.register(key, entry(id(start), members), EXPIRES);
      assert.equal(again.added, 0);
      assert.equal(again.occurrences, 40_000);
    }
    const items = await itemsOf(dynamodb, TABLE, partitionKeyOf('a#', key));
    const shards = items.filter((item) => item.sk.S!.startsWith('m#'));
    assert.ok(
      shards.some((item) => item.sk.S!.includes('.')),
      'the full minute spilled into shards by id',
    );
    assert.equal(
      shards.reduce((sum, item) => sum + item.m.SS!.length, 0),
      40_000,
      'each record in one shard',
    );
    for (const item of items)
      assert.ok(itemBytes(item) < 400 * 1024, `${item.sk.S}: ${itemBytes(item)} bytes`);
    const head = items.find((item) => item.sk.S === 'alert')!;
    assert.ok(itemBytes(head) < 8 * 1024, `the head stays small: ${itemBytes(head)} bytes`);
  });

  it('keeps one summary per shard in the head, deleting those a larger one replaced', async () => {
    const key = 'long|["a-etl"]|2024-02-01T13:00:00.000Z';
    // Every entry grows the current minute and the one before it, for an hour.
    for (let minute = 1; minute <= 60; minute += 1) {
      await store.register(
        key,
        entry(`m${minute}`, [
          [`m${minute}-a`, minute * ALERT_CHUNK_MS],
          [`m${minute}-b`, (minute - 1) * ALERT_CHUNK_MS + 30_000],
        ]),
        EXPIRES,
      );
    }
    const head = (await itemsOf(dynamodb, TABLE, partitionKeyOf('a#', key))).find(
      (item) => item.sk.S === 'alert',
    )!;
    const summaries = Object.entries(head).filter(([name]) => name.startsWith('n:'));
    assert.equal(summaries.length, 61, 'one attribute per shard');
    const kept = summaries.reduce((sum, [, value]) => sum + value.SS!.length, 0);
    assert.ok(kept <= 61 + 4, `${kept} summaries kept for 61 shards`);
  });

  it('registers an entry spread over hundreds of minutes (a day-long window) in one go', async () => {
    const key = 'logins|["a-alice"]|2024-02-01T00:00:00.000Z';
    const counting = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const requests = countRequests(counting);
    const counted = new DynamoDbAlertStore(counting, TABLE);
    const members = Array.from(
      { length: 250 },
      (_, i) => [`login-${i}`, i * ALERT_CHUNK_MS + 7] as [string, number],
    );
    const answered = await counted.register(key, entry('login-0', members), EXPIRES);
    assert.equal(answered.occurrences, 250);
    assert.equal(answered.added, 250);
    assert.equal(answered.lastEventMs, T0 + 249 * ALERT_CHUNK_MS + 7);
    assert.equal(
      requests.counts.get('UpdateItem'),
      250 + 3,
      'a shard per chunk, then the head in three requests',
    );
    const again = await counted.register(key, entry('login-0', members.slice(100, 120)), EXPIRES);
    assert.deepEqual([again.occurrences, again.added], [250, 0]);
    counting.destroy();
  });

  it('answers a head left behind by a crash as an update when the entry comes again', async () => {
    const crashing = new DynamoDBClient(motoClientConfig(moto.endpoint));
    let failHead = false;
    crashing.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { sk?: { S?: string } } };
        if (failHead && context.commandName === 'UpdateItemCommand' && input.Key?.sk?.S === 'alert') {
          throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const flaky = new DynamoDbAlertStore(crashing, TABLE);
    const key = 'crash|x|2024-02-01T13:00:00.000Z';
    await flaky.register(key, entry('c1', [['c1', 0]]), EXPIRES);
    await flaky.markNotified(key);
    failHead = true;
    const lost = entry('c2', [
      ['c2', 1_000],
      ['c3', 2_000],
    ]);
    await assert.rejects(flaky.register(key, lost, EXPIRES), /crash|x|TimeoutError/);
    failHead = false;
    const recovered = await flaky.register(key, lost, EXPIRES);
    assert.equal(recovered.occurrences, 3);
    assert.equal(recovered.added, 2, 'the members the lost write added');
    assert.equal(recovered.lastEventMs, T0 + 2_000);
    assert.equal((await flaky.register(key, lost, EXPIRES)).added, 0);
    crashing.destroy();
  });

  it('costs two round trips for an entry within one chunk (5 minutes): the shard, then the head', async () => {
    const counting = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const requests = countRequests(counting);
    const counted = new DynamoDbAlertStore(counting, TABLE);
    await counted.register(
      'cost|x|2024-02-01T13:00:00.000Z',
      entry('k1', [
        ['k1', 0],
        ['k2', 10_000],
        ['k3', 20_000],
      ]),
      EXPIRES,
    );
    assert.deepEqual(Object.fromEntries(requests.counts), { UpdateItem: 2 });
    counting.destroy();
  });
});
