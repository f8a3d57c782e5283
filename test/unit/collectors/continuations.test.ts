import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import { runCollector } from '../../../lambda/core/collectors/engine';
import type { CollectorClient, FetchedPage, PageQuery } from '../../../lambda/core/collectors/types';
import { NOW, record, runDeps, T0, World } from './fakes';

const SETTINGS = { name: 'test', prefix: 'vendor/logs', logType: 'audit', firstRunLookbackMs: 86_400_000 };

/** An API answering each continuation (`first` for none) with a page set in advance. */
class ScriptedApi implements CollectorClient {
  readonly idField = 'id';
  readonly asked: Array<string | undefined> = [];

  constructor(
    private readonly pages: Readonly<Record<string, FetchedPage>>,
    readonly durableCursor = false,
  ) {}

  async fetchPage(query: PageQuery): Promise<FetchedPage> {
    this.asked.push(query.cursor);
    const page = this.pages[query.cursor ?? 'first'];
    if (!page) throw new Error(`no page for ${query.cursor}`);
    return page;
  }
}

const page = (ids: readonly number[], next?: string): FetchedPage => ({
  records: ids.map((i) => record({ id: `e${i}`, at: T0 + i * 1000 })),
  ...(next !== undefined ? { next } : {}),
});

/** Each request takes a second of a 60-second budget: a run that would loop ends paused instead. */
function budgeted(api: CollectorClient, world: World) {
  let clock = NOW;
  const fetchPage = api.fetchPage.bind(api);
  const client: CollectorClient = {
    durableCursor: api.durableCursor,
    idField: api.idField,
    fetchPage: async (query, context) => {
      clock += 1000;
      return fetchPage(query, context);
    },
  };
  return { ...runDeps(client, world), now: () => clock, deadline: NOW + 60_000 };
}

describe('where a collector run ends', () => {
  it('follows a new continuation after a page shorter than the ones before it', async () => {
    const api = new ScriptedApi({ first: page([0, 1, 2], 'A'), A: page([3], 'B'), B: page([4, 5, 6]) });
    const world = new World();
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, 7);
    assert.deepEqual(api.asked, [undefined, 'A', 'B']);
  });

  it('ends caught up on an empty page with a new continuation (a polling cursor), instead of paging until the budget', async () => {
    // Okta-like: every page, empty or not, comes with a fresh continuation.
    const pages: Record<string, FetchedPage> = { first: page([0, 1], 'p1') };
    for (let i = 1; i <= 100; i++) pages[`p${i}`] = page([], `p${i + 1}`);
    const api = new ScriptedApi(pages);
    const world = new World();
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.code, undefined);
    assert.equal(outcome.recordsWritten, 2);
    assert.deepEqual(api.asked, [undefined, 'p1'], 'one request after the last events, no more');
  });

  it('keeps that continuation as the durable cursor: the next run asks from it and loses nothing', async () => {
    const pages: Record<string, FetchedPage> = { first: page([0], 'A'), A: page([], 'B') };
    const api = new ScriptedApi(pages, true);
    const world = new World();
    assert.equal((await runCollector(SETTINGS, budgeted(api, world))).status, 'caught-up');
    assert.equal(world.checkpoint?.cursor, 'B');
    // Events arrive behind the polling cursor the API handed out.
    pages.B = page([1, 2], 'C');
    pages.C = page([], 'D');
    const second = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(second.status, 'caught-up');
    assert.deepEqual(api.asked.slice(2), ['B', 'C']);
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2'],
    );
    assert.equal(world.checkpoint?.cursor, 'D');
  });

  it('reads on after a page whose events were all written already: it was not empty', async () => {
    const pages: Record<string, FetchedPage> = { first: page([0, 1]) };
    const api = new ScriptedApi(pages);
    const world = new World();
    await runCollector(SETTINGS, budgeted(api, world));
    // The next run reads e0 and e1 again (resuming by time) before the new event, a page further.
    pages.first = page([0, 1], 'A');
    pages.A = page([2], 'B');
    pages.B = page([], 'C');
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.equal(outcome.recordsWritten, 1);
    assert.deepEqual(api.asked.slice(1), [undefined, 'A', 'B']);
  });

  it('reads on after an empty page whose events the client held back (a `since` probe)', async () => {
    const api = new ScriptedApi({
      first: page([0], 'A'),
      A: { records: [], heldBack: true, next: 'B' },
      B: page([1]),
    });
    const world = new World();
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.deepEqual(api.asked, [undefined, 'A', 'B']);
    assert.equal(outcome.recordsWritten, 2);
  });

  it('ends on the continuation it was just given again (an API pointing at the end of its log)', async () => {
    const api = new ScriptedApi({ first: page([0], 'A'), A: page([], 'A') });
    const world = new World();
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.deepEqual(api.asked, [undefined, 'A']);
  });

  it('ends on a continuation already followed earlier in the run, instead of looping until the budget', async () => {
    const api = new ScriptedApi({ first: page([0], 'A'), A: page([1], 'B'), B: page([2], 'A') });
    const world = new World();
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'caught-up');
    assert.notEqual(outcome.code, CollectorCodes.BUDGET_SPENT);
    assert.deepEqual(api.asked, [undefined, 'A', 'B']);
    assert.equal(outcome.recordsWritten, 3);
  });

  it('keeps ending paused when the budget runs out before the API stops giving continuations', async () => {
    const pages: Record<string, FetchedPage> = { first: page([0], 'p1') };
    for (let i = 1; i <= 100; i++) pages[`p${i}`] = page([i], `p${i + 1}`);
    const api = new ScriptedApi(pages);
    const world = new World();
    const outcome = await runCollector(SETTINGS, budgeted(api, world));
    assert.equal(outcome.status, 'paused');
    assert.equal(outcome.code, CollectorCodes.BUDGET_SPENT);
    assert.equal(outcome.recordsWritten, api.asked.length, 'what the run read is written');
  });
});
