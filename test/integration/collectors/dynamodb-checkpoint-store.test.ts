import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CHECKPOINT_KEY, DynamoDbCheckpointStore } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { CollectorCodes, CollectorError } from '../../../lambda/core/collectors/codes';
import { runCollector } from '../../../lambda/core/collectors/engine';
import type { Checkpoint, RunOutcome } from '../../../lambda/core/collectors/types';
import { encodeEntry, entryOf } from '../../../lambda/core/collectors/written-ids';
import { CursorApi, rememberedIds, World } from '../../unit/collectors/fakes';
import { motoClientConfig, startMoto, type MotoServer } from '../../support/moto';

const TABLE = 'sluice-collector-checkpoints';
const SINCE = Date.parse('2024-05-01T10:00:00.123Z');
const entry = (id: string) => encodeEntry(entryOf(id, SINCE));
const CHECKPOINT_WITHOUT_NEWEST: Checkpoint = {
  version: 2,
  since: '2024-05-01T10:00:00.123Z',
  written: [entry('a'), entry('b')],
};
const CHECKPOINT: Checkpoint = {
  version: 2,
  since: '2024-05-01T10:00:00.123Z',
  written: [entry('a'), entry('b')],
  newestEventAt: '2024-05-01T10:00:00.123Z',
};

describe('the DynamoDB checkpoint store and its lease (moto)', () => {
  let moto: MotoServer;
  let dynamodb: DynamoDBClient;
  let clock = Date.parse('2024-05-01T12:00:00Z');
  let store: DynamoDbCheckpointStore;

  before(async () => {
    moto = await startMoto();
    dynamodb = new DynamoDBClient(motoClientConfig(moto.endpoint));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: CHECKPOINT_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: CHECKPOINT_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    store = new DynamoDbCheckpointStore(dynamodb, TABLE, () => clock);
  });
  after(async () => {
    dynamodb.destroy();
    await moto.stop();
  });

  it('gives a first run no checkpoint, keeps what it commits, and hands it to the next run', async () => {
    const lease = await store.acquire('cirrus', 600_000);
    assert.ok(lease);
    assert.equal(lease.checkpoint, undefined);
    await lease.commit(CHECKPOINT);
    await lease.release({
      status: 'caught-up',
      recordsWritten: 2,
      objectsWritten: 1,
      newestEventAt: CHECKPOINT.newestEventAt,
    });
    const next = await store.acquire('cirrus', 600_000);
    assert.deepEqual(next?.checkpoint, CHECKPOINT);
    await next?.release({ status: 'caught-up', recordsWritten: 0, objectsWritten: 0 });
    const state = await store.read('cirrus');
    assert.equal(state?.lastRunStatus, 'caught-up');
    assert.equal(state?.newestEventAt, CHECKPOINT.newestEventAt);
    assert.equal(state?.leaseOwner, undefined);
  });

  it('refuses the lease to a second run while the first holds it', async () => {
    // Sequential on purpose: DynamoDB applies conditional writes to an item atomically; moto's server
    // does not lock between the check and the write, so two requests at the same instant could race there.
    const first = await store.acquire('overlap', 600_000);
    assert.ok(first);
    assert.equal(await store.acquire('overlap', 600_000), undefined);
    assert.ok(await store.acquire('another-collector', 600_000), 'leases are per collector');
    await first.release({ status: 'caught-up', recordsWritten: 0, objectsWritten: 0 });
    assert.ok(await store.acquire('overlap', 600_000), 'a released lease can be taken');
  });

  it('lets a run take over an expired lease, and refuses the old holder’s checkpoint (fencing)', async () => {
    const stale = await store.acquire('takeover', 60_000);
    assert.ok(stale);
    clock += 61_000;
    const fresh = await store.acquire('takeover', 60_000);
    assert.ok(fresh, 'an expired lease is taken over');
    await assert.rejects(
      stale.commit(CHECKPOINT),
      (error: unknown) => error instanceof CollectorError && error.code === CollectorCodes.LEASE_LOST,
    );
    await stale.release({
      status: 'failed',
      recordsWritten: 0,
      objectsWritten: 0,
      code: CollectorCodes.LEASE_LOST,
    });
    await fresh.commit({ ...CHECKPOINT, written: [entry('fresh')] });
    assert.deepEqual((await store.read('takeover'))?.checkpoint?.written, [entry('fresh')]);
    assert.ok(
      (await store.read('takeover'))?.leaseOwner,
      'the old holder’s release left the new lease alone',
    );
  });

  it('records a failure with its code, and clears it on the next good run', async () => {
    const lease = await store.acquire('failing', 60_000);
    await lease?.release({
      status: 'failed',
      recordsWritten: 0,
      objectsWritten: 0,
      code: CollectorCodes.AUTH_FAILED,
      message: 'api.example.com refused the credentials',
    });
    assert.equal((await store.read('failing'))?.lastErrorCode, CollectorCodes.AUTH_FAILED);
    const again = await store.acquire('failing', 60_000);
    await again?.release({ status: 'caught-up', recordsWritten: 0, objectsWritten: 0 });
    const state = await store.read('failing');
    assert.equal(state?.lastErrorCode, undefined);
    assert.ok(state?.lastSuccessAt);
  });

  it('keeps a tie’s instant and event count with its failure, and drops both with the next outcome', async () => {
    const tie = async (outcome: RunOutcome) => (await store.acquire('tied', 60_000))!.release(outcome);
    const failed = { status: 'failed', recordsWritten: 0, objectsWritten: 0 } as const;
    await tie({
      ...failed,
      code: CollectorCodes.TIES_EXCEED_PAGE,
      tiesAt: '2024-05-08T11:00:07.000Z',
      tiesEvents: 100,
    });
    let state = await store.read('tied');
    assert.equal(state?.lastErrorTiesAt, '2024-05-08T11:00:07.000Z');
    assert.equal(state?.lastErrorTiesEvents, 100);
    await tie({ ...failed, code: CollectorCodes.AUTH_FAILED });
    state = await store.read('tied');
    assert.equal(state?.lastErrorTiesAt, undefined);
    assert.equal(state?.lastErrorTiesEvents, undefined, 'another failure has no tie');
    await tie({
      ...failed,
      code: CollectorCodes.TIES_EXCEED_PAGE,
      tiesAt: '2024-05-08T11:00:07.000Z',
      tiesEvents: 100,
    });
    await tie({ status: 'caught-up', recordsWritten: 0, objectsWritten: 0 });
    assert.equal((await store.read('tied'))?.lastErrorTiesEvents, undefined, 'a good run clears it');
  });

  it('refuses to start from a checkpoint it cannot read, rather than starting over', async () => {
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { [CHECKPOINT_KEY]: { S: 'corrupt' }, checkpoint: { S: '{"version":2}' } },
      }),
    );
    await assert.rejects(
      store.acquire('corrupt', 60_000),
      (error: unknown) =>
        error instanceof CollectorError && error.code === CollectorCodes.CHECKPOINT_UNAVAILABLE,
    );
    // The lease was given back with the failure: the next run meets the same problem, not a held lease.
    await assert.rejects(
      store.acquire('corrupt', 60_000),
      (error: unknown) =>
        error instanceof CollectorError && error.code === CollectorCodes.CHECKPOINT_UNAVAILABLE,
    );
    assert.equal(
      await store.read('corrupt').catch((error: CollectorError) => error.code),
      CollectorCodes.CHECKPOINT_UNAVAILABLE,
    );
  });

  it('reads a checkpoint written before lookbacks (version 1, whole ids) as its exact equivalent, its ids hashed', async () => {
    const v1 = { version: 1, since: CHECKPOINT.since, written: ['a', 'b'], cursor: 'after-1' };
    await dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { [CHECKPOINT_KEY]: { S: 'upgraded' }, checkpoint: { S: JSON.stringify(v1) } },
      }),
    );
    const lease = await store.acquire('upgraded', 60_000);
    assert.deepEqual(lease?.checkpoint, { ...CHECKPOINT_WITHOUT_NEWEST, cursor: 'after-1' });
    assert.deepEqual(rememberedIds(lease?.checkpoint, ['a', 'b', 'c']), ['a', 'b']);
    await lease?.release({ status: 'caught-up', recordsWritten: 0, objectsWritten: 0 });
  });

  it('keeps the checkpoint below the 400 KB item limit mid-page, even for 10,000 events with 100-byte ids', async () => {
    const id = (i: number) => `${'x'.repeat(94)}${String(i).padStart(6, '0')}`;
    const t0 = Date.UTC(2024, 4, 1);
    // One page holds every event: the checkpoint after each object must remember the page's prefix.
    const api = new CursorApi(10_000);
    api.add(...Array.from({ length: 10_000 }, (_, i) => ({ id: id(i), at: t0 + i })));
    const world = new World();
    const bigStore = new DynamoDbCheckpointStore(dynamodb, TABLE, () => t0 + 86_400_000);
    const run = () =>
      runCollector(
        { name: 'long-ids', prefix: 'p', logType: 'l', firstRunLookbackMs: 7 * 86_400_000 },
        {
          client: api,
          writer: world,
          store: bigStore,
          now: () => t0 + 86_400_000,
          deadline: Infinity,
          leaseMs: 60_000,
        },
      );
    const first = await run();
    assert.equal(first.status, 'caught-up', `${first.code}: ${first.message}`);
    assert.equal(first.recordsWritten, 10_000);
    const second = await run();
    assert.equal(second.status, 'caught-up', `${second.code}: ${second.message}`);
    assert.equal(second.recordsWritten, 0, 'the next run writes nothing again');
  });
});
