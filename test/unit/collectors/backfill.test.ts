import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { onePageOnly } from '../../../lambda/core/collectors/one-page';
import type { FetchedPage, PageQuery } from '../../../lambda/core/collectors/types';
import { TimeApi, World } from './fakes';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const UNTIL = new Date(T0 + 5_000);

/** The time API, answering only up to each query's `until`, and keeping the queries it was sent. */
class BoundedApi extends TimeApi {
  readonly queries: PageQuery[] = [];

  override async fetchPage(query: PageQuery): Promise<FetchedPage> {
    this.queries.push(query);
    const page = await super.fetchPage(query);
    const until = query.until?.getTime() ?? Infinity;
    return { ...page, records: page.records.filter((record) => record.timestamp.epochMillis <= until) };
  }
}

const settings = { name: 'backfill', prefix: 'p', logType: 'l', firstRunLookbackMs: 3_600_000 };
const deps = (api: TimeApi, world: World) => ({
  client: api,
  writer: world,
  store: world,
  now: () => T0 + 60_000,
  deadline: Infinity,
  leaseMs: 60_000,
});

describe('a backfill run (sluice pull --to-bucket)', () => {
  it('asks every page up to its `until`, and writes nothing after it', async () => {
    const api = new BoundedApi(2);
    api.add(...Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, at: T0 + i * 1000 })));
    const world = new World();
    const outcome = await runCollector({ ...settings, until: UNTIL }, deps(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.ok(api.queries.length > 1);
    assert.ok(api.queries.every((query) => query.until?.getTime() === UNTIL.getTime()));
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'],
    );
  });

  it('starts at exactly `firstRunSince` however the clock moves, keeping the event at that instant', async () => {
    const api = new BoundedApi(2);
    api.add({ id: 'e0', at: T0 }, { id: 'e1', at: T0 + 1000 });
    const world = new World();
    let clock = T0 + 60_000;
    const outcome = await runCollector(
      { ...settings, firstRunLookbackMs: 0, firstRunSince: new Date(T0), until: new Date(T0 + 1000) },
      { ...deps(api, world), now: () => (clock += 1) },
    );
    assert.equal(outcome.recordsWritten, 2);
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1'],
    );
  });

  it('reads one API query only with -x', async () => {
    const api = new TimeApi(3);
    api.add(...Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, at: T0 + i * 1000 })));
    const world = new World();
    const outcome = await runCollector(settings, { ...deps(api, world), client: onePageOnly(api) });
    assert.equal(outcome.status, 'caught-up');
    assert.equal(api.requests, 1);
    assert.equal(world.lines().length, 3);
  });
});
