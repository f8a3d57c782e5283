import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { seededRandom } from '../../../bench/data/random';
import { partitionKeyOf } from '../../../lambda/adapters/detection-table';
import {
  ALERT_CHUNK_MS,
  ALERT_ITEM_BYTES,
  DynamoDbAlertStore,
} from '../../../lambda/adapters/dynamodb-alert-store';
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

/** The members a member item holds (one per line, deflated). */
function membersOf(item: Record<string, AttributeValue>): string[] {
  return inflateRawSync(item.z.B!).toString('utf8').split('\n');
}

const isMemberItem = (item: Record<string, AttributeValue>) => item.sk.S!.startsWith('m#i');

/** A client whose `BatchWriteItem`s wait until `reads` `Query`s have been answered. */
/** A client whose `Query`s, once `readsAfterWrites(n)` was called, wait until `n` more `BatchWriteItem`s were answered. */
function gatedReads(client: DynamoDBClient) {
  let gate: { left: number; open(): void; opened: Promise<void> } | undefined;
  return {
    client: {
      send: async (command: object) => {
        const name = command.constructor.name;
        const current = gate;
        if (name === 'QueryCommand' && current) await current.opened;
        const answer: unknown = await client.send(command as never);
        if (name === 'BatchWriteItemCommand' && current && --current.left === 0) current.open();
        return answer;
      },
    } as unknown as DynamoDBClient,
    readsAfterWrites(writes: number): void {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      gate = { left: writes, open, opened };
    },
  };
}

function writesAfterReads(client: DynamoDBClient, reads: number): DynamoDBClient {
  let answered = 0;
  let open: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => (open = resolve));
  return {
    send: async (command: object) => {
      const name = command.constructor.name;
      if (name === 'BatchWriteItemCommand') await allRead;
      const answer: unknown = await client.send(command as never);
      if (name === 'QueryCommand' && ++answered === reads) open();
      return answer;
    },
  } as unknown as DynamoDBClient;
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
    // `<time in its chunk, base 36>#<id>` (2026-12-01), one of the same with the id's digest
    // (2026-12-02), and their summaries.
    await put({
      sk: { S: `m#${chunkMinute}` },
      m: { SS: [`${T0 + 2_000}#old-1`, `${T0 + 3_000}#old-2`] },
      b: { N: '40' },
    });
    await put({ sk: { S: `m#r${chunkMinute - 5}` }, m: { SS: ['0#older-1'] }, b: { N: '9' } });
    await put({ sk: { S: `m#h${chunkMinute - 10}` }, m: { SS: ['a#AAAAAAAAAAAAAAAA'] }, b: { N: '18' } });
    await put({
      sk: { S: 'alert' },
      openedBy: { S: 'oldest-1' },
      notified: { BOOL: true },
      [`n:${chunkMinute}`]: { SS: ['2:2000:3000'] },
      [`n:r${chunkMinute - 5}`]: { SS: ['1:0:0'] },
      [`n:h${chunkMinute - 10}`]: { SS: ['1:10:10'] },
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
      openedBy: 'oldest-1',
      occurrences: 7,
      added: 3,
      notified: true,
      stepWritten: 0,
      firstEventMs: T0 - 600_000 + 10,
      lastEventMs: T0 + 299_999,
    });
    const digest = (id: string) => hash('sha256', id, 'base64url').slice(0, 16);
    const items = (await itemsOf(dynamodb, TABLE, pk)).filter(isMemberItem);
    assert.equal(items.length, 1, 'one member item for the chunk');
    assert.match(items[0].sk.S!, new RegExp(`^m#i${chunkMinute}#[\\w-]{16}$`));
    assert.deepEqual(membersOf(items[0]).sort(), [
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

  it('sets the TTL attribute in epoch seconds on every item; a later expiry moves the head and comes with new members', async () => {
    const key = 'ttl|x|2024-02-01T13:00:00.000Z';
    const first = T0 + HOUR + 1;
    const later = T0 + 2 * HOUR;
    await store.register(
      key,
      entry('t1', [
        ['t1', 0],
        ['t2', 2 * ALERT_CHUNK_MS],
      ]),
      first,
    );
    const pk = partitionKeyOf('a#', key);
    const items = await itemsOf(dynamodb, TABLE, pk);
    assert.equal(items.length, 3, 'the head and one member item per chunk (5 minutes) of event time');
    for (const item of items) assert.equal(item.expiresAt.N, String(Math.ceil(first / 1000)));
    await store.register(
      key,
      entry('t1', [
        ['t1', 0],
        ['t3', 10],
      ]),
      later,
    );
    const after = await itemsOf(dynamodb, TABLE, pk);
    const expiryOf = (item: Record<string, AttributeValue>) => Number(item.expiresAt.N);
    const head = after.find((item) => !isMemberItem(item))!;
    const memberItems = after.filter(isMemberItem);
    const t3 = memberItems.filter(
      (item) => membersOf(item).length === 1 && membersOf(item)[0].startsWith('a#'),
    );
    assert.equal(expiryOf(head), later / 1000, 'the head takes the later expiry');
    assert.deepEqual(
      t3.map(expiryOf),
      [later / 1000],
      't3 (10 ms: `a` in base 36) comes in a new item with it',
    );
    assert.deepEqual(
      memberItems.filter((item) => !t3.includes(item)).map(expiryOf),
      [Math.ceil(first / 1000), Math.ceil(first / 1000)],
      'member items are never rewritten: they keep theirs, beyond the lateness of their records',
    );
  });

  it('keeps a burst alert of 40,000 records in member items under 400 KB, counting each record once', async () => {
    const key = 'burst|["a-bulk-loader"]|2024-02-01T13:00:00.000Z';
    const id = (i: number) => `${'q'.repeat(40)}-${String(i).padStart(6, '0')}`;
    // 30,000 records in one minute, then 10,000 over the next ten; the first register brings
    // 16,000 at once (more members than one item holds).
    const times = (i: number) => (i < 30_000 ? i : 60_000 + (i - 30_000) * 60);
    const members = (start: number, count: number) =>
      Array.from({ length: count }, (_, k) => [id(start + k), times(start + k)] as [string, number]);
    let last = await store.register(key, entry(id(0), members(0, 16_000)), EXPIRES);
    assert.equal(last.added, 16_000);
    for (let start = 16_000; start < 40_000; start += 2_000) {
      last = await store.register(key, entry(id(start), members(start, 2_000)), EXPIRES);
      assert.equal(last.added, 2_000);
    }
    assert.equal(last.occurrences, 40_000);
    assert.equal(last.openedBy, id(0));
    assert.equal(last.firstEventMs, T0);
    assert.equal(last.lastEventMs, T0 + times(39_999));

    // Redelivered, in other batches: nothing new.
    for (let start = 1_000; start < 40_000; start += 3_000) {
      const again = await store.register(
        key,
        entry(id(start), members(start, Math.min(3_000, 40_000 - start))),
        EXPIRES,
      );
      assert.equal(again.added, 0);
      assert.equal(again.occurrences, 40_000);
    }
    const items = await itemsOf(dynamodb, TABLE, partitionKeyOf('a#', key));
    const memberItems = items.filter(isMemberItem);
    const firstChunk = memberItems.filter((item) => item.sk.S!.startsWith(`m#i${T0 / 60_000}#`));
    assert.ok(
      firstChunk.some((item) => Buffer.byteLength(membersOf(item).join('\n')) > ALERT_ITEM_BYTES / 2),
      'the first register filled an item',
    );
    assert.equal(
      memberItems.reduce((sum, item) => sum + membersOf(item).length, 0),
      40_000,
      'each record in one item',
    );
    for (const item of items)
      assert.ok(itemBytes(item) < 400 * 1024, `${item.sk.S}: ${itemBytes(item)} bytes`);
    const head = items.find((item) => item.sk.S === 'alert')!;
    assert.ok(itemBytes(head) < 8 * 1024, `the head stays small: ${itemBytes(head)} bytes`);
  });

  it('keeps one summary per chunk in the head, deleting those a larger one replaced', async () => {
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
    assert.equal(summaries.length, 61, 'one attribute per chunk');
    const kept = summaries.reduce((sum, [, value]) => sum + value.SS!.length, 0);
    assert.ok(kept <= 61 + 4, `${kept} summaries kept for 61 chunks`);
  });

  it('counts the members of two registers that read a chunk before either wrote to it (two Lambdas at once)', async () => {
    const key = 'at-once||2024-02-01T13:00:00.000Z';
    const first = entry('a', [['a', 60_000]]);
    const second = entry('b', [['b', 120_000]]);
    // Both read the chunk (empty) before either writes: each alone would summarize one member.
    const client = writesAfterReads(dynamodb, 2);
    await Promise.all([
      new DynamoDbAlertStore(client, TABLE).register(key, first, EXPIRES),
      new DynamoDbAlertStore(client, TABLE).register(key, second, EXPIRES),
    ]);
    // A later entry of another chunk answers the head: both earlier members count.
    const later = entry('c', [['c', 600_000]]);
    const answered = await new DynamoDbAlertStore(dynamodb, TABLE).register(key, later, EXPIRES);
    const memory = new MemoryAlertStore();
    for (const each of [first, second]) await memory.register(key, each, EXPIRES);
    const expected = await memory.register(key, later, EXPIRES);
    assert.deepEqual(
      [answered.occurrences, answered.firstEventMs, answered.lastEventMs],
      [expected.occurrences, expected.firstEventMs, expected.lastEventMs],
    );
    assert.equal(answered.occurrences, 3);
  });

  it('keeps the summaries of a chunk every register adds to few (the head stays small)', async () => {
    const key = 'busy||2024-02-01T13:00:00.000Z';
    for (let n = 0; n < 60; n += 1)
      await store.register(key, entry(`b${n}`, [[`b${n}`, n * 1_000]]), EXPIRES);
    const head = (await itemsOf(dynamodb, TABLE, partitionKeyOf('a#', key))).find(
      (item) => item.sk.S === 'alert',
    )!;
    const summaries = Object.entries(head).filter(([name]) => name.startsWith('n:'));
    assert.equal(summaries.length, 1, 'one chunk');
    assert.ok(summaries[0][1].SS!.length <= 16, `${summaries[0][1].SS!.length} summaries kept`);
    const answered = await store.register(key, entry('b0', [['b0', 0]]), EXPIRES);
    assert.equal(answered.occurrences, 60);
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
    assert.deepEqual(
      Object.fromEntries(requests.counts),
      { Query: 2, BatchWriteItem: 10, UpdateItem: 3 },
      'one read of the adjacent chunks, their items 25 to a write, one read again, then the head in three requests',
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

  it('costs four requests for an entry within one chunk (5 minutes): its read, its write, its read again, then the head; one when nothing is new', async () => {
    const counting = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const requests = countRequests(counting);
    const counted = new DynamoDbAlertStore(counting, TABLE);
    const within = entry('k1', [
      ['k1', 0],
      ['k2', 10_000],
      ['k3', 20_000],
    ]);
    await counted.register('cost|x|2024-02-01T13:00:00.000Z', within, EXPIRES);
    assert.deepEqual(Object.fromEntries(requests.counts), { Query: 2, BatchWriteItem: 1, UpdateItem: 1 });
    await counted.register('cost|x|2024-02-01T13:00:00.000Z', within, EXPIRES);
    assert.deepEqual(
      Object.fromEntries(requests.counts),
      { Query: 2, BatchWriteItem: 1, UpdateItem: 2 },
      'the chunk as its read after the write found it: nothing to write, no read',
    );

    // Two adjacent chunks are read together; a chunk apart from them on its own.
    requests.reset();
    const spread = entry('s1', [
      ['s1', 0],
      ['s2', ALERT_CHUNK_MS],
      ['s3', 3 * ALERT_CHUNK_MS],
    ]);
    const answered = await counted.register('spread|x|2024-02-01T13:00:00.000Z', spread, EXPIRES);
    assert.deepEqual([answered.occurrences, answered.added], [3, 3]);
    assert.deepEqual(Object.fromEntries(requests.counts), { Query: 4, BatchWriteItem: 1, UpdateItem: 1 });
    const again = await counted.register('spread|x|2024-02-01T13:00:00.000Z', spread, EXPIRES);
    assert.deepEqual([again.occurrences, again.added], [3, 0]);

    // Chunks whose names do not sort as their numbers (before 1970, or another count of digits)
    // are read each on its own.
    requests.reset();
    const odd = {
      trigger: 'o1',
      members: [
        { id: 'o1', eventTimeMs: -ALERT_CHUNK_MS + 1 },
        { id: 'o2', eventTimeMs: 1 },
        { id: 'o3', eventTimeMs: 9_999_999 * 60_000 },
        { id: 'o4', eventTimeMs: 10_000_000 * 60_000 },
      ],
    };
    const first = await counted.register('odd|x|2024-02-01T13:00:00.000Z', odd, EXPIRES);
    assert.deepEqual([first.occurrences, first.added], [4, 4]);
    assert.equal(requests.counts.get('Query'), 8);
    const repeated = await counted.register('odd|x|2024-02-01T13:00:00.000Z', odd, EXPIRES);
    assert.deepEqual([repeated.occurrences, repeated.added], [4, 0]);
    counting.destroy();
  });
  it('writes to a chunk it read before without reading it first, counting what another Lambda wrote since and a redelivery that Lambda registered once', async () => {
    const key = 'known|["a-alice"]|2024-02-01T13:00:00.000Z';
    const counting = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const requests = countRequests(counting);
    const lambdaA = new DynamoDbAlertStore(counting, TABLE);
    const lambdaB = new DynamoDbAlertStore(dynamodb, TABLE);
    const memory = new MemoryAlertStore();
    const both = async (store: DynamoDbAlertStore, each: AlertEntry) => {
      const answered = await store.register(key, each, EXPIRES);
      const expected = await memory.register(key, each, EXPIRES);
      assert.deepEqual(
        [answered.occurrences, answered.added, answered.firstEventMs, answered.lastEventMs],
        [expected.occurrences, expected.added, expected.firstEventMs, expected.lastEventMs],
      );
      return answered;
    };
    const first = entry('k1', [
      ['k1', 1_000],
      ['k2', 2_000],
    ]);
    const elsewhere = entry('k3', [
      ['k3', 3_000],
      ['k4', 4_000],
    ]);
    const next = entry('k5', [
      ['k4', 4_000],
      ['k5', 5_000],
    ]);
    await both(lambdaA, first);
    requests.reset();
    await both(lambdaB, elsewhere); // A does not know these
    await both(lambdaB, next);
    // The batch B registered, run again by A (a redelivery): A's read is older than B's writes.
    const redelivered = await both(lambdaA, next);
    assert.deepEqual([redelivered.occurrences, redelivered.added], [5, 0]);
    assert.deepEqual(
      Object.fromEntries(requests.counts),
      { BatchWriteItem: 1, Query: 1, UpdateItem: 1 },
      'no read before the write: the chunk is known',
    );
    requests.reset();
    const grown = await both(lambdaA, entry('k6', [['k6', 6_000]]));
    assert.deepEqual([grown.occurrences, grown.added], [6, 1]);
    assert.deepEqual(Object.fromEntries(requests.counts), { BatchWriteItem: 1, Query: 1, UpdateItem: 1 });
    counting.destroy();
  });

  it('answers a redelivery as adding nothing when both Lambdas knew the chunk as it was (their writes hold the same members)', async () => {
    const key = 'known-same||2024-02-01T13:00:00.000Z';
    const [lambdaA, lambdaB] = [
      new DynamoDbAlertStore(dynamodb, TABLE),
      new DynamoDbAlertStore(dynamodb, TABLE),
    ];
    const opening = entry('o', [['o', 0]]);
    await lambdaA.register(key, opening, EXPIRES);
    await lambdaB.register(key, opening, EXPIRES);
    const batch = entry('p', [
      ['p', 1_000],
      ['q', 2_000],
    ]);
    assert.equal((await lambdaB.register(key, batch, EXPIRES)).added, 2);
    const redelivered = await lambdaA.register(key, batch, EXPIRES);
    assert.deepEqual([redelivered.occurrences, redelivered.added], [3, 0]);
  });

  it('writes to the chunk after the latest it read without reading it first, counting once what another Lambda wrote there', async () => {
    const key = 'next-chunk|["a-alice"]|2024-02-01T13:00:00.000Z';
    const counting = new DynamoDBClient(motoClientConfig(moto.endpoint));
    const requests = countRequests(counting);
    const lambdaA = new DynamoDbAlertStore(counting, TABLE);
    const lambdaB = new DynamoDbAlertStore(dynamodb, TABLE);
    await lambdaA.register(key, entry('n1', [['n1', 1_000]]), EXPIRES);
    const next = entry('n2', [
      ['n2', ALERT_CHUNK_MS + 1_000],
      ['n3', ALERT_CHUNK_MS + 2_000],
    ]);
    assert.equal((await lambdaB.register(key, next, EXPIRES)).added, 2);
    requests.reset();
    // B's batch run again by A, which has read only the chunk before.
    const redelivered = await lambdaA.register(key, next, EXPIRES);
    assert.deepEqual([redelivered.occurrences, redelivered.added], [3, 0]);
    assert.deepEqual(Object.fromEntries(requests.counts), { BatchWriteItem: 1, Query: 1, UpdateItem: 1 });
    const grown = await lambdaA.register(key, entry('n4', [['n4', 2 * ALERT_CHUNK_MS]]), EXPIRES);
    assert.deepEqual([grown.occurrences, grown.added], [4, 1]);
    // A chunk before the latest it read is read first (a late record, a replay).
    requests.reset();
    const late = await lambdaA.register(key, entry('n0', [['n0', -ALERT_CHUNK_MS]]), EXPIRES);
    assert.deepEqual([late.occurrences, late.added], [5, 1]);
    assert.equal(requests.counts.get('Query'), 2);
    counting.destroy();
  });

  it(
    'counts the members of two Lambdas that knew a chunk and wrote to it at once',
    { timeout: 120_000 },
    async () => {
      const key = 'known-at-once||2024-02-01T13:00:00.000Z';
      const gated = gatedReads(dynamodb);
      const [lambdaA, lambdaB] = [
        new DynamoDbAlertStore(gated.client, TABLE),
        new DynamoDbAlertStore(gated.client, TABLE),
      ];
      await lambdaA.register(key, entry('a', [['a', 60_000]]), EXPIRES);
      await lambdaB.register(key, entry('b', [['b', 90_000]]), EXPIRES);
      // Both know the chunk (A without b): each writes its new member without reading first, and
      // neither reads until both wrote. (A register that read first would wait here for ever.)
      gated.readsAfterWrites(2);
      const [answerA, answerB] = await Promise.all([
        lambdaA.register(key, entry('c', [['c', 120_000]]), EXPIRES),
        lambdaB.register(key, entry('d', [['d', 150_000]]), EXPIRES),
      ]);
      assert.deepEqual([answerA.occurrences, answerB.occurrences], [4, 4]);
      assert.deepEqual([answerA.added, answerB.added], [1, 1]);
      const later = await lambdaA.register(key, entry('e', [['e', 180_000]]), EXPIRES);
      assert.deepEqual([later.occurrences, later.added], [5, 1]);
    },
  );
});
