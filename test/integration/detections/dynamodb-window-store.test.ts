import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { seededRandom } from '../../../bench/data/random';
import { DETECTION_STATE_UNAVAILABLE, partitionKeyOf } from '../../../lambda/adapters/detection-table';
import {
  DynamoDbWindowStore,
  WINDOW_ITEM_BYTES,
  WINDOW_MAX_SAMPLE_BYTES,
  WINDOW_SAMPLES_PER_ADD,
  WINDOW_SLOT_MS,
} from '../../../lambda/adapters/dynamodb-window-store';
import { SluiceError } from '../../../lambda/core/errors';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';
import type { Contribution } from '../../../lambda/core/detections/windows/store';
import { countRequests, createDetectionTable, itemBytes, itemsOf } from '../../support/detection-table';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

const TABLE = 'sluice-detections';
const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);
const DAY = 86_400_000;
const FOREVER = Date.UTC(2030, 0, 1);

function contribution(
  id: string,
  offsetMs: number,
  options: { value?: string; key?: string } = {},
): Contribution {
  const ref = {
    id,
    bucket: 'logs',
    key: options.key ?? 'sdm/queries/2024/02/01/13/00/a.json',
    offset: offsetMs,
    eventTimeMs: T0 + offsetMs,
  };
  const sample = { uuid: id, query: 'select 1' };
  return options.value === undefined ? { ref, sample } : { ref, value: options.value, sample };
}

/** A window item's JSON, as the store deflates it into `z`. */
function jsonOf(item: Record<string, AttributeValue>): string {
  return inflateRawSync(item.z.B!).toString('utf8');
}

/** What identifies a stored contribution and what counting reads of it (samples are checked apart). */
function counted(contributions: readonly Contribution[]) {
  return contributions.map(({ ref, value }) => ({ ref, value }));
}

describe('the DynamoDB window store (moto)', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  let store: DynamoDbWindowStore;
  let requests: ReturnType<typeof countRequests>;

  before(async () => {
    moto = await startMoto();
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    requests = countRequests(dynamodb);
    await createDetectionTable(dynamodb, TABLE);
    store = new DynamoDbWindowStore(dynamodb, TABLE);
  });
  after(async () => {
    dynamodb.destroy();
    await moto.stop();
  });

  it('answers every range as the memory store does, across slots and at their edges', async () => {
    const random = seededRandom(11);
    const memory = new MemoryWindowStore();
    const partition = 'sdm_query_burst\u0000["a-alice"]';
    // Five minutes of records, some exactly on slot edges, added in batches out of order.
    const all: Contribution[] = [];
    for (let i = 0; i < 400; i += 1) {
      const offset = i % 40 === 0 ? Math.floor(i / 40) * WINDOW_SLOT_MS : random.int(0, 5 * WINDOW_SLOT_MS);
      all.push(contribution(`q-${String(i).padStart(4, '0')}`, offset, { value: `10.0.0.${i % 7}` }));
    }
    for (let start = 0; start < all.length; start += 57) {
      const batch = all.slice(start, start + 57).reverse();
      await memory.add(partition, batch, FOREVER);
      await store.add(partition, batch, FOREVER);
    }
    const edges = [0, WINDOW_SLOT_MS - 1, WINDOW_SLOT_MS, 2 * WINDOW_SLOT_MS, 3 * WINDOW_SLOT_MS + 1];
    const bounds: [number, number][] = [
      [-DAY, DAY],
      [WINDOW_SLOT_MS, 2 * WINDOW_SLOT_MS],
      [WINDOW_SLOT_MS - 1, WINDOW_SLOT_MS],
      [WINDOW_SLOT_MS + 1, WINDOW_SLOT_MS + 1],
      [6 * WINDOW_SLOT_MS, 7 * WINDOW_SLOT_MS],
    ];
    for (let i = 0; i < 20; i += 1) {
      const from = random.chance(0.5) ? random.pick(edges) : random.int(-WINDOW_SLOT_MS, 5 * WINDOW_SLOT_MS);
      bounds.push([from, from + random.int(0, 3 * WINDOW_SLOT_MS)]);
    }
    for (const [from, to] of bounds) {
      const expected = await memory.range(partition, T0 + from, T0 + to);
      const answered = await store.range(partition, T0 + from, T0 + to);
      assert.deepEqual(counted(answered), counted(expected), `range [${from}, ${to}]`);
    }
    assert.ok((await store.range(partition, T0 - DAY, T0 + DAY)).length === 400);
  });

  it('stores a redelivered batch once: it overwrites its own items, and is answered once', async () => {
    const partition = 'redelivered\u0000["g"]';
    const slot = WINDOW_SLOT_MS;
    const batch = [0, slot / 3, slot - 1, slot, 1.5 * slot].map((offset, i) => contribution(`r${i}`, offset));
    await store.add(partition, batch, FOREVER);
    const items = await itemsOf(dynamodb, TABLE, partitionKeyOf('w#', partition));
    assert.equal(items.length, 2, 'one item per slot the batch spans');

    await store.add(partition, [...batch].reverse(), FOREVER);
    assert.deepEqual(
      (await itemsOf(dynamodb, TABLE, partitionKeyOf('w#', partition))).map((item) => item.sk.S),
      items.map((item) => item.sk.S),
      'the same batch, in any order, writes the same items',
    );
    // Cut differently (a continuation that re-read part of the object): new items, answered once.
    await store.add(partition, batch.slice(1, 4), FOREVER);
    const answered = await store.range(partition, T0, T0 + 1.5 * slot);
    assert.deepEqual(
      answered.map((item) => item.ref.id),
      ['r0', 'r1', 'r2', 'r3', 'r4'],
    );
  });

  it('leaves out, undecoded, what the caller just added and holds, and nothing else', async () => {
    const partition = 'held\u0000["g"]';
    const slot = WINDOW_SLOT_MS;
    const earlier = [0, slot / 2, slot + 1_000].map((offset, i) => contribution(`earlier${i}`, offset));
    const batch = [10_000, slot + 2_000, slot + 10_000].map((offset, i) => contribution(`batch${i}`, offset));
    await store.add(partition, earlier, FOREVER);
    await store.add(partition, batch, FOREVER);
    const ids = async (held?: readonly Contribution[], of = partition) =>
      (await store.range(of, T0, T0 + 2 * WINDOW_SLOT_MS, held)).map((item) => item.ref.id).sort();

    assert.deepEqual(
      await ids(batch),
      ['earlier0', 'earlier1', 'earlier2'],
      'the items of that add are left out',
    );
    assert.deepEqual(await ids(), [...earlier, ...batch].map((item) => item.ref.id).sort(), 'nothing held');
    assert.deepEqual(
      await ids([...batch]),
      [...earlier, ...batch].map((item) => item.ref.id).sort(),
      'an equal array is not the one added: the store cannot know the caller holds it',
    );
    const other = 'held\u0000["h"]';
    await store.add(other, earlier, FOREVER);
    assert.deepEqual(await ids(earlier, other), [], 'the last add of an array is the one it answers for');
    assert.deepEqual(
      await ids(batch, other),
      ['earlier0', 'earlier1', 'earlier2'],
      "another partition's items are never left out",
    );
  });

  it('keeps one copy of a record read twice in one batch', async () => {
    const partition = 'twice\u0000["g"]';
    const record = contribution('dup', 1_000);
    assert.equal(await store.add(partition, [record, contribution('other', 2_000), record], FOREVER), 2);
    assert.deepEqual(
      (await store.range(partition, T0, T0 + WINDOW_SLOT_MS)).map((item) => item.ref.id),
      ['dup', 'other'],
    );
  });

  it('splits a large slot over items under 400 KB, and pages through a partition over 1 MB', async () => {
    const partition = 'burst\u0000["a-bulk-loader"]';
    // Random ids: items are stored deflated, and the partition must stay over 1 MB once they are.
    const random = seededRandom(11);
    const batch = Array.from({ length: 24_000 }, (_, i) =>
      contribution(`${random.hex(160)}-${String(i).padStart(5, '0')}`, i % WINDOW_SLOT_MS, {
        value: `value-${'v'.repeat(40)}-${i % 100}`,
        key: `sdm/queries/2024/02/01/13/00/object-${i % 3}.json`,
      }),
    );
    requests.reset();
    await store.add(partition, batch, FOREVER);
    assert.equal(requests.counts.get('BatchWriteItem'), 1, 'one request for every item of the batch');

    const items = await itemsOf(dynamodb, TABLE, partitionKeyOf('w#', partition));
    assert.ok(items.length >= 6, `${items.length} items`);
    for (const item of items) {
      assert.ok(itemBytes(item) < 400 * 1024, `item of ${itemBytes(item)} bytes`);
      assert.ok(item.sk.S!.startsWith(String(T0).padStart(16, '0')), 'all in the slot of their records');
    }

    requests.reset();
    const answered = await store.range(partition, T0, T0 + WINDOW_SLOT_MS);
    assert.ok((requests.counts.get('Query') ?? 0) >= 3, 'a Query answers 1 MB at most: the store pages');
    assert.equal(answered.length, batch.length);
    assert.deepEqual(
      counted(answered),
      counted(
        [...batch].sort((a, b) => a.ref.eventTimeMs - b.ref.eventTimeMs || (a.ref.id < b.ref.id ? -1 : 1)),
      ),
    );
  });

  it('fills each item to its byte budget, counting UTF-8 bytes, not characters', async () => {
    for (const [name, character] of [
      ['ascii', 'v'],
      ['three-byte characters', '\u20ac'],
    ] as const) {
      const partition = `budget\u0000[${JSON.stringify(name)}]`;
      const batch = Array.from({ length: 6_000 }, (_, i) =>
        contribution(`id-${String(i).padStart(5, '0')}`, i % WINDOW_SLOT_MS, {
          value: `${character.repeat(60)}-${i}`,
        }),
      );
      await store.add(partition, batch, FOREVER);
      const items = await itemsOf(dynamodb, TABLE, partitionKeyOf('w#', partition));
      const sizes = items.map((item) => Buffer.byteLength(jsonOf(item), 'utf8')).sort((a, b) => b - a);
      assert.ok(sizes.length >= 2, `${name}: ${sizes.length} items`);
      for (const size of sizes) assert.ok(size <= WINDOW_ITEM_BYTES + 1_024, `${name}: ${size} bytes`);
      // Every item but the one holding the rest is full: within one entry of the budget.
      for (const size of sizes.slice(0, -1))
        assert.ok(size > WINDOW_ITEM_BYTES - 1_024, `${name}: ${size} bytes`);
      assert.equal((await store.range(partition, T0, T0 + WINDOW_SLOT_MS)).length, batch.length, name);
    }
  });

  it('keeps the records of the latest few contributions of an add for the alert samples, leaving out large ones', async () => {
    const partition = 'samples\u0000["g"]';
    // Two slots: the latest five are in the second, and one of them is too large to keep.
    const earlier = Array.from({ length: 9 }, (_, i) => contribution(`a${i}`, 1_000 + i));
    const later = Array.from({ length: 6 }, (_, i) => contribution(`b${i}`, WINDOW_SLOT_MS + 1_000 + i));
    const big = {
      ...contribution('b9-big', WINDOW_SLOT_MS + 9_000),
      sample: { query: 'x'.repeat(WINDOW_MAX_SAMPLE_BYTES) },
    };
    await store.add(partition, [...earlier, big, ...later], FOREVER);
    const answered = await store.range(partition, T0, T0 + 2 * WINDOW_SLOT_MS);
    assert.equal(answered.length, earlier.length + later.length + 1);
    const kept = answered.filter((item) => item.sample !== undefined).map((item) => item.ref.id);
    assert.equal(WINDOW_SAMPLES_PER_ADD, 5);
    assert.deepEqual(kept, ['b2', 'b3', 'b4', 'b5'], 'the latest five but the large one');
    assert.deepEqual(answered.find((item) => item.ref.id === 'b2')?.sample, later[2].sample);
  });

  it('stores items deflated, reads the plain items of earlier versions, and names an item that does not inflate', async () => {
    const partition = 'deflated\u0000["g"]';
    const batch = Array.from({ length: 200 }, (_, i) =>
      contribution(`d${String(i).padStart(3, '0')}`, i * 10),
    );
    await store.add(partition, batch, FOREVER);
    const pk = partitionKeyOf('w#', partition);
    const [item] = await itemsOf(dynamodb, TABLE, pk);
    assert.equal(item.d, undefined);
    const json = jsonOf(item);
    assert.ok(item.z.B!.length * 2 < Buffer.byteLength(json), `${item.z.B!.length} of ${json.length} bytes`);

    // As forwarders before 2026-12-02 wrote it: the same JSON, as text.
    const plain = contribution('plain', 5_000);
    const earlier = `{"v":1,"t":${T0},"l":[["logs","${plain.ref.key}"]],"c":[["plain",5000,0,5000]],"s":[[0,${JSON.stringify(plain.sample)}]]}`;
    const put = (name: string, data: Record<string, AttributeValue>) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: pk }, sk: { S: `${String(T0).padStart(16, '0')}#${name}` }, ...data },
        }),
      );
    await put('earlier', { d: { S: earlier } });
    const answered = await store.range(partition, T0, T0 + WINDOW_SLOT_MS);
    assert.equal(answered.length, batch.length + 1);
    assert.deepEqual(
      answered.find((contribution) => contribution.ref.id === 'plain'),
      plain,
    );

    const unreadable = (error: unknown) => {
      assert.ok(error instanceof SluiceError);
      assert.equal(error.code, 'DETECTION_STATE_UNREADABLE');
      assert.match(error.message, /rule 'deflated'.*does not inflate/);
      return true;
    };
    await put('broken', { z: { B: Buffer.from('not deflate') } });
    await assert.rejects(store.range(partition, T0, T0 + WINDOW_SLOT_MS), unreadable);
    // Nor is an item inflated past the size the store writes (a few KB that would become 64 MB).
    await put('broken', { z: { B: deflateRawSync(' '.repeat(64 * 1024 * 1024)) } });
    await assert.rejects(store.range(partition, T0, T0 + WINDOW_SLOT_MS), unreadable);
  });

  it('sets the TTL attribute in epoch seconds, and a replay moves it later', async () => {
    const partition = 'ttl\u0000["g"]';
    const batch = [contribution('t1', 0), contribution('t2', WINDOW_SLOT_MS + 1_000)];
    await store.add(partition, batch, T0 + DAY + 1);
    const pk = partitionKeyOf('w#', partition);
    for (const item of await itemsOf(dynamodb, TABLE, pk)) {
      assert.equal(item.expiresAt.N, String(Math.ceil((T0 + DAY + 1) / 1000)));
    }
    await store.add(partition, batch, T0 + 2 * DAY);
    for (const item of await itemsOf(dynamodb, TABLE, pk)) {
      assert.equal(item.expiresAt.N, String((T0 + 2 * DAY) / 1000));
    }
  });

  it('keeps partitions apart, whatever the length of their group values', async () => {
    const long = `burst\u0000${JSON.stringify(['a'.repeat(5_000)])}`;
    const longer = `burst\u0000${JSON.stringify(['a'.repeat(5_000) + 'b'])}`;
    await store.add(long, [contribution('one', 0)], FOREVER);
    await store.add(longer, [contribution('two', 0)], FOREVER);
    assert.deepEqual(
      (await store.range(long, T0, T0)).map((item) => item.ref.id),
      ['one'],
    );
    assert.deepEqual(
      (await store.range(longer, T0, T0)).map((item) => item.ref.id),
      ['two'],
    );
    assert.deepEqual(await store.range('never-written', T0 - DAY, T0 + DAY), []);
  });

  it("writes the adds made together (a batch's groups) in one request, 25 items to it, each settled with its items", async () => {
    const partitions = Array.from({ length: 30 }, (_, i) => `together\u0000["g${i}"]`);
    requests.reset();
    // Every group twice (the same batch added twice at once): DynamoDB refuses a request naming an item twice.
    const added = await Promise.all(
      [...partitions, ...partitions].map((partition) =>
        store.add(
          partition,
          [contribution(`${partition}-1`, 1_000), contribution(`${partition}-2`, 2_000)],
          FOREVER,
        ),
      ),
    );
    assert.deepEqual(added, Array(60).fill(2));
    assert.equal(requests.counts.get('BatchWriteItem'), 2, '30 items: two requests, not one per add');
    for (const partition of partitions)
      assert.deepEqual(
        (await store.range(partition, T0, T0 + WINDOW_SLOT_MS)).map((item) => item.ref.id),
        [`${partition}-1`, `${partition}-2`],
      );

    // Adds made apart go apart: the second is not held back waiting for company.
    requests.reset();
    await store.add(partitions[0], [contribution('later', 3_000)], FOREVER);
    await store.add(partitions[1], [contribution('later', 3_000)], FOREVER);
    assert.equal(requests.counts.get('BatchWriteItem'), 2);
  });

  it('fails every add written together when their request fails', async () => {
    const missing = new DynamoDbWindowStore(dynamodb, 'no-such-table');
    const outcomes = await Promise.allSettled(
      ['one', 'two'].map((group) =>
        missing.add(`sdm_query_burst\u0000["${group}"]`, [contribution(group, 0)], FOREVER),
      ),
    );
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
  });

  it('reports a table it cannot reach with a stable code and the rule, never the group', async () => {
    const missing = new DynamoDbWindowStore(dynamodb, 'no-such-table');
    for (const attempt of [
      () => missing.add('sdm_query_burst\u0000["a-secret-account"]', [contribution('x', 0)], FOREVER),
      () => missing.range('sdm_query_burst\u0000["a-secret-account"]', T0, T0 + 1),
    ]) {
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.code, DETECTION_STATE_UNAVAILABLE);
        assert.match(error.message, /sdm_query_burst/);
        assert.match(error.message, /ResourceNotFoundException/);
        assert.doesNotMatch(error.message + JSON.stringify(error.context), /a-secret-account/);
        return true;
      });
    }
  });
});
