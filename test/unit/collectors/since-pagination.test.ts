import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pullEvents } from '../../../cli/collectors/pull';
import { CollectorCodes } from '../../../lambda/core/collectors/codes';
import { collectorConfig, type HttpJsonCollectorConfig } from '../../../lambda/core/collectors/config';
import { runCollector } from '../../../lambda/core/collectors/engine';
import { httpJsonClient } from '../../../lambda/core/collectors/types/http-json';
import { startSinceOnlyApi, type SinceOnlyApi } from '../../support/receivers/since-only-api';
import { World } from './fakes';
import { clientDeps, FakeSecrets } from './support';

/** The API's largest page, below the collector's `limit`. */
const CAP = 3;

function configOf(api: SinceOnlyApi, overrides: Record<string, unknown> = {}): HttpJsonCollectorConfig {
  return collectorConfig.parse({
    type: 'http-json',
    name: 'since-only',
    source: 'api',
    logType: 'audit',
    url: api.url,
    query: { since: '{since}', limit: '{limit}' },
    auth: { type: 'none' },
    recordsPath: 'events',
    timestampField: 'time',
    idField: 'id',
    limit: 10,
    pagination: { type: 'since' },
    ...overrides,
  }) as HttpJsonCollectorConfig;
}

describe(`an http-json API with a time filter and no continuation, capping pages at ${CAP}`, () => {
  let deps: ReturnType<typeof clientDeps>;
  let api: SinceOnlyApi;
  let world: World;
  /** Events start two minutes ago: all within the default five-minute lookback. */
  let start: number;
  let nextId: number;

  const add = (...offsets: number[]) => {
    for (const offset of offsets) {
      api.events.push({ id: `e${nextId++}`, time: new Date(start + offset).toISOString() });
    }
  };
  const run = (config: HttpJsonCollectorConfig = configOf(api)) =>
    runCollector(
      { name: 'since-only', prefix: 'api/logs', logType: 'audit', firstRunLookbackMs: 3_600_000 },
      {
        client: httpJsonClient(config, deps),
        writer: world,
        store: world,
        now: Date.now,
        deadline: Date.now() + 600_000,
        leaseMs: 60_000,
      },
    );
  const written = () => world.lines().map((line) => line.id);
  const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `e${from + i}`);

  before(() => {
    deps = clientDeps(new FakeSecrets());
  });
  after(() => deps.close());
  beforeEach(async () => {
    await api?.close();
    api = await startSinceOnlyApi({ maxPerPage: CAP });
    world = new World();
    start = Math.floor((Date.now() - 120_000) / 1000) * 1000;
    nextId = 0;
  });
  after(() => api.close());

  it('collects every event of the lookback in the first run, and then only new ones, each once (runs used to re-read the first page for ever)', async () => {
    // Two events per second, 600 ms apart: pages end within a second and the next one reads it again.
    add(...Array.from({ length: 8 }, (_, i) => i * 600));
    const first = await run();
    assert.equal(first.status, 'caught-up', first.message);
    assert.deepEqual(written(), ids(0, 8));

    add(10_000, 10_600, 11_200, 11_800);
    const second = await run();
    assert.equal(second.status, 'caught-up', second.message);
    assert.equal(second.recordsWritten, 4);
    assert.deepEqual(written(), ids(0, 12));

    const requestsBefore = api.requests.length;
    const third = await run();
    assert.equal(third.status, 'caught-up');
    assert.equal(third.recordsWritten, 0);
    assert.deepEqual(written(), ids(0, 12), 'nothing written twice');
    // The lookback's 12 events read again 3 at a time, plus the question "anything after?".
    assert.ok(api.requests.length - requestsBefore <= 12, `${api.requests.length - requestsBefore} requests`);
    assert.ok(api.requests.every((params) => params.get('limit') === '10'));
  });

  it('stops before a second holding more than a page of events, every run, and writes nothing after it', async () => {
    add(0, 1_000); // e0, e1
    add(5_000, 5_100, 5_200, 5_300, 5_400); // e2..e6: five events in one second, a page holds three
    add(9_000, 9_500); // e7, e8
    const tied = new Date(start + 5_000).toISOString().slice(0, 19);
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await run();
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.code, CollectorCodes.TIES_EXCEED_PAGE);
      assert.match(outcome.message ?? '', new RegExp(`3 events within one second ${tied}Z`));
      assert.equal(outcome.tiesAt, `${tied}.000Z`);
      assert.equal(outcome.tiesEvents, 3, 'the page of that second the API gave');
    }
    assert.deepEqual(written(), ids(0, 5), 'the events before it, and the page of it the API gives');
    assert.ok(
      Date.parse(world.checkpoint!.since) <= start + 5_000,
      'the next run asks for that second again',
    );
  });

  it('reads past such a second with millisecond bounds (epoch-millis), where the API takes them', async () => {
    add(0, 5_000, 5_001, 5_002, 5_003, 5_004, 9_000);
    const outcome = await run(configOf(api, { timeFormat: 'epoch-millis' }));
    assert.equal(outcome.status, 'caught-up', outcome.message);
    assert.deepEqual(written(), ids(0, 7));
  });

  it('does not mistake events arriving between two requests for a capped page', async () => {
    add(0, 400); // the first page stays within one second: the run asks what comes after it
    let arrived = false;
    const racing = await startSinceOnlyApi({
      maxPerPage: CAP,
      beforeAnswer: (params) => {
        if (!arrived && Date.parse(params.get('since') ?? '') === start + 1_000) {
          arrived = true;
          racing.events.push({ id: 'late-0', time: new Date(start + 2_000).toISOString() });
        }
      },
    });
    racing.events.push(...api.events);
    try {
      const outcome = await run(configOf(racing));
      assert.ok(arrived, 'the API was asked what comes after the first second');
      assert.equal(outcome.status, 'caught-up', outcome.message);
      assert.deepEqual(written(), ['e0', 'e1', 'late-0']);
    } finally {
      await racing.close();
    }
  });

  it('refuses an API that returns newest first at its first page, writing nothing', async () => {
    const descending = await startSinceOnlyApi({ maxPerPage: CAP, defaultOrder: 'desc' });
    try {
      for (let i = 0; i < 8; i++) {
        descending.events.push({ id: `d${i}`, time: new Date(start + i * 1000).toISOString() });
      }
      const outcome = await run(configOf(descending));
      assert.equal(outcome.status, 'failed');
      assert.equal(outcome.code, CollectorCodes.BAD_RESPONSE);
      assert.match(outcome.message ?? '', /oldest first/);
      assert.deepEqual(written(), []);
    } finally {
      await descending.close();
    }
  });

  it('`sluice pull` prints each event once, though pages overlap', async () => {
    add(...Array.from({ length: 8 }, (_, i) => i * 600));
    const lines: string[] = [];
    const result = await pullEvents(httpJsonClient(configOf(api), deps), {
      since: new Date(start),
      until: new Date(),
      onePage: false,
      deadline: Date.now() + 600_000,
      write: (line) => {
        lines.push(line);
      },
    });
    assert.equal(result.stoppedBy, 'caught-up');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { id: string }).id),
      ids(0, 8),
    );
  });
});
