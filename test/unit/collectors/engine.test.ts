import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CollectorCodes, CollectorError } from '../../../lambda/core/collectors/codes';
import { runCollector, type CollectorRunSettings } from '../../../lambda/core/collectors/engine';
import { MemoryCheckpointStore } from '../../../lambda/core/collectors/memory-checkpoint-store';
import type { FetchedPage, PageQuery } from '../../../lambda/core/collectors/types';
import { NOW, record, rememberedIds, runDeps, T0, TimeApi, World, type FakeEvent } from './fakes';

const SETTINGS: CollectorRunSettings = {
  name: 'test',
  prefix: 'vendor/logs',
  logType: 'audit',
  firstRunLookbackMs: 7 * 86_400_000,
};

function events(count: number, start = 0, at = (i: number) => T0 + i * 1000): FakeEvent[] {
  return Array.from({ length: count }, (_, i) => ({ id: `e${start + i}`, at: at(start + i) }));
}

function deps(api: TimeApi, world: World, extra: Partial<Parameters<typeof runCollector>[1]> = {}) {
  return { ...runDeps(api, world), ...extra };
}

describe('a collector run', () => {
  it('cuts objects at maxRecordsPerObject and moves the checkpoint after each (and before the last, short one, to record its cut)', async () => {
    const api = new TimeApi(4);
    api.add(...events(10));
    const world = new World();
    const committed: number[] = [];
    const outcome = await runCollector(
      { ...SETTINGS, maxRecordsPerObject: 3 },
      deps(api, world, { observer: { checkpointCommitted: () => committed.push(world.objects.size) } }),
    );
    assert.equal(outcome.status, 'caught-up');
    assert.deepEqual(
      [...world.objects.values()].map((object) => object.records),
      [3, 3, 3, 1],
    );
    assert.deepEqual(
      committed,
      [1, 2, 3, 3, 4],
      'one checkpoint after each write, one before the short object',
    );
    assert.equal(outcome.recordsWritten, 10);
    assert.equal(world.checkpoint?.newestEventAt, new Date(T0 + 9000).toISOString());
  });

  it('cuts objects at the byte cap, and gives an event larger than the cap an object of its own', async () => {
    const api = new TimeApi(100);
    api.add(...events(5));
    const world = new World();
    const line = Buffer.byteLength(record({ id: 'e0', at: T0 }).line) + 1;
    await runCollector({ ...SETTINGS, maxObjectBytes: line * 2 }, deps(api, world));
    assert.deepEqual(
      [...world.objects.values()].map((object) => object.records),
      [2, 2, 1],
    );
    const tiny = new World();
    await runCollector({ ...SETTINGS, maxObjectBytes: 10 }, deps(api, tiny));
    assert.equal(tiny.objects.size, 5);
  });

  it("names objects <prefix>/<logType>/<first event's minute>/<uuid>.json, the same for the same events", async () => {
    const api = new TimeApi(100);
    api.add(...events(3));
    const first = new World();
    const second = new World();
    await runCollector(SETTINGS, deps(api, first));
    await runCollector(SETTINGS, deps(api, second));
    const [key] = first.objects.keys();
    assert.match(
      key,
      /^vendor\/logs\/audit\/2024\/05\/01\/12\/30\/[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.json$/,
    );
    assert.deepEqual([...second.objects.keys()], [key]);
    const other = new World();
    await runCollector({ ...SETTINGS, name: 'other' }, deps(api, other));
    assert.notDeepEqual(
      [...other.objects.keys()],
      [key],
      'another collector names the same events differently',
    );
  });

  it('writes gzipped NDJSON as .json.gz when asked', async () => {
    const api = new TimeApi(100);
    api.add(...events(2));
    const world = new World();
    await runCollector({ ...SETTINGS, gzip: true }, deps(api, world));
    const [[key, object]] = [...world.objects.entries()];
    assert.match(key, /\.json\.gz$/);
    const lines = gunzipSync(object.body).toString().split('\n');
    assert.deepEqual(
      lines.slice(0, 2).map((line) => JSON.parse(line).id),
      ['e0', 'e1'],
    );
    assert.equal(lines[2], '');
  });

  it('starts its first run firstRunLookbackMs back', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'old', at: NOW - 8 * 86_400_000 }, { id: 'recent', at: NOW - 6 * 86_400_000 });
    const world = new World();
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['recent'],
    );
  });

  it('resumes at the boundary: events sharing its time are neither repeated nor lost', async () => {
    const api = new TimeApi(2);
    api.add({ id: 'a', at: T0 }, { id: 'b', at: T0 + 5 }, { id: 'c', at: T0 + 5 });
    const world = new World();
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(rememberedIds(world.checkpoint, ['a', 'b', 'c']), ['a', 'b', 'c']);
    // Later, another event with exactly the boundary's time, and a newer one.
    api.add({ id: 'd', at: T0 + 5 }, { id: 'e', at: T0 + 9 });
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it('stops fetching when the time budget is spent, writing what it holds', async () => {
    const api = new TimeApi(2);
    api.add(...events(6));
    const world = new World();
    let clock = NOW;
    const fetch = api.fetchPage.bind(api);
    api.fetchPage = async (query) => {
      clock += 1000;
      return fetch(query);
    };
    const outcome = await runCollector(
      SETTINGS,
      deps(api, world, { now: () => clock, deadline: NOW + 1500 }),
    );
    assert.equal(outcome.status, 'paused');
    assert.equal(outcome.code, CollectorCodes.BUDGET_SPENT);
    assert.equal(api.requests, 2);
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2', 'e3'],
    );
    const next = await runCollector(SETTINGS, deps(api, world, { now: () => clock, deadline: Infinity }));
    assert.equal(next.status, 'caught-up');
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'],
    );
  });

  it('on a page that is not the documented shape, writes the pages before it and fails with its code', async () => {
    const api = new TimeApi(2);
    api.add(...events(6));
    const world = new World();
    const fetch = api.fetchPage.bind(api);
    api.fetchPage = async (query: PageQuery): Promise<FetchedPage> => {
      if (query.cursor === '4')
        throw new CollectorError(CollectorCodes.BAD_RESPONSE, 'the answer is not JSON');
      return fetch(query);
    };
    const outcome = await runCollector(SETTINGS, deps(api, world));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.code, CollectorCodes.BAD_RESPONSE);
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2', 'e3'],
    );
    assert.equal(
      world.checkpoint?.since,
      new Date(T0 + 3000 - 300_000).toISOString(),
      'the newest written event less the default lookback',
    );
    assert.deepEqual(
      world.outcomes.at(-1)?.code,
      CollectorCodes.BAD_RESPONSE,
      'the outcome is recorded with the lease',
    );
  });

  it('pauses, without failing, when the API throttles until the budget ends', async () => {
    const api = new TimeApi(2);
    api.add(...events(3));
    const world = new World();
    const fetch = api.fetchPage.bind(api);
    api.fetchPage = async (query) => {
      if (query.cursor === '2') {
        throw new CollectorError(CollectorCodes.THROTTLED, 'rate limited', {}, { kind: 'pause' });
      }
      return fetch(query);
    };
    const outcome = await runCollector(SETTINGS, deps(api, world));
    assert.equal(outcome.status, 'paused');
    assert.equal(outcome.code, CollectorCodes.THROTTLED);
    assert.equal(outcome.recordsWritten, 2);
  });

  it('keeps its outcome when its lease cannot be given up afterwards, saying why (the lease lapses on its own)', async () => {
    const api = new TimeApi(100);
    api.add(...events(3));
    const world = new World();
    world.releaseFailure = new Error('DynamoDB: ProvisionedThroughputExceededException');
    const outcome = await runCollector(SETTINGS, deps(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, 3);
    assert.match(outcome.leaseNotReleased ?? '', /ProvisionedThroughputExceeded/);
    assert.equal(world.lines().length, 3);
  });

  it("fails with the run's own error when giving the lease up fails as well", async () => {
    const world = new World();
    world.releaseFailure = new Error('DynamoDB unreachable');
    const api = new TimeApi(100);
    api.add(...events(3));
    const brokenClock = () => {
      throw new Error('the clock broke');
    };
    await assert.rejects(runCollector(SETTINGS, deps(api, world, { now: brokenClock })), /the clock broke/);
  });

  it('does not move the checkpoint, nor write on, when an object cannot be written', async () => {
    const api = new TimeApi(100);
    api.add(...events(5));
    const world = new World();
    let puts = 0;
    const put = world.put.bind(world);
    world.put = async (object) => {
      puts += 1;
      if (puts === 2) throw new Error('AccessDenied');
      return put(object);
    };
    const outcome = await runCollector({ ...SETTINGS, maxRecordsPerObject: 2 }, deps(api, world));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.code, CollectorCodes.WRITE_FAILED);
    assert.equal(puts, 2, 'no write after the failed one');
    assert.deepEqual(rememberedIds(world.checkpoint, ['e0', 'e1', 'e2']), ['e0', 'e1']);
  });

  it('refuses events out of time order when it resumes by time, taking nothing of that page', async () => {
    const api = new TimeApi(100);
    const world = new World();
    api.fetchPage = async () => ({
      records: [record({ id: 'new', at: T0 + 10 }), record({ id: 'old', at: T0 })],
    });
    const outcome = await runCollector(SETTINGS, deps(api, world));
    assert.equal(outcome.code, CollectorCodes.BAD_RESPONSE);
    assert.match(outcome.message ?? '', /oldest first/);
    assert.equal(world.objects.size, 0);
  });

  it('does nothing while another run holds the lease', async () => {
    const store = new MemoryCheckpointStore(() => NOW);
    const held = await store.acquire('test', 60_000);
    assert.ok(held);
    const api = new TimeApi(100);
    api.add(...events(2));
    const world = new World();
    const outcome = await runCollector(SETTINGS, { ...deps(api, world), store });
    assert.equal(outcome.status, 'skipped');
    assert.equal(outcome.code, CollectorCodes.LEASE_HELD);
    assert.equal(api.requests, 0);
  });
});
