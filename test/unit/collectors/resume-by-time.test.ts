import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCollector, type CollectorRunSettings } from '../../../lambda/core/collectors/engine';
import { timestampFromMillis } from '../../../lambda/core/collectors/instant';
import { timePosition } from '../../../lambda/core/collectors/time-position';
import { entryOf } from '../../../lambda/core/collectors/written-ids';
import { newestEventAgeSeconds } from '../../../lambda/collector/metrics';
import { NOW, rememberedIds, runDeps, T0, TimeApi, World } from './fakes';

const SETTINGS: CollectorRunSettings = {
  name: 'test',
  prefix: 'p',
  logType: 'l',
  firstRunLookbackMs: 7 * 86_400_000,
};

const deps = runDeps;

const ids = (world: World) => world.lines().map((line) => line.id);

describe('a collector resuming by time, with a lookback', () => {
  it('writes, once, an event the API makes available after a newer one was collected', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'a', at: T0 }, { id: 'c', at: T0 + 10_000 });
    const world = new World();
    await runCollector(SETTINGS, deps(api, world));
    api.add({ id: 'b', at: T0 + 5_000 }, { id: 'd', at: T0 + 20_000 });
    await runCollector(SETTINGS, deps(api, world));
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(ids(world), ['a', 'c', 'b', 'd']);
  });

  it('asks again from the newest written time less lookbackMs, remembering what it wrote since then', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'old', at: T0 }, { id: 'a', at: T0 + 50_000 }, { id: 'b', at: T0 + 60_000 });
    const world = new World();
    await runCollector({ ...SETTINGS, lookbackMs: 30_000 }, deps(api, world));
    assert.equal(world.checkpoint?.since, new Date(T0 + 30_000).toISOString());
    assert.deepEqual(rememberedIds(world.checkpoint, ['old', 'a', 'b']), ['a', 'b']);
  });

  it('misses an event later than the lookback (lookbackMs 0: none is looked for)', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'a', at: T0 }, { id: 'c', at: T0 + 10_000 });
    const world = new World();
    await runCollector({ ...SETTINGS, lookbackMs: 0 }, deps(api, world));
    api.add({ id: 'b', at: T0 + 5_000 });
    await runCollector({ ...SETTINGS, lookbackMs: 0 }, deps(api, world));
    assert.deepEqual(ids(world), ['a', 'c']);
  });

  it('neither repeats nor loses an event after an upgrade from a checkpoint of whole ids (version 1)', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'a', at: T0 }, { id: 'b', at: T0 + 10_000 }, { id: 'c', at: T0 + 10_000 });
    api.add({ id: 'd', at: T0 + 20_000 });
    const world = new World();
    // Written by the version before lookbacks: a, b and c were written, b and c at the boundary.
    world.checkpoint = { version: 1, since: new Date(T0 + 10_000).toISOString(), written: ['b', 'c'] };
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(ids(world), ['d']);
    assert.equal(world.checkpoint.version, 2);
  });
});

describe('a collector meeting an event stamped in the future (a vendor clock running fast)', () => {
  it('writes it once, keeps its resume point at the clock, and loses none of the events after it', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'a', at: NOW - 60_000 }, { id: 'skewed', at: NOW + 3_600_000 });
    const world = new World();
    await runCollector(SETTINGS, deps(api, world));
    assert.ok(Date.parse(world.checkpoint?.since ?? '') <= NOW, 'the resume point is not in the future');
    assert.deepEqual(rememberedIds(world.checkpoint, ['skewed']), ['skewed']);
    api.add({ id: 'b', at: NOW + 60_000 });
    await runCollector(SETTINGS, deps(api, world, NOW + 120_000));
    assert.deepEqual(ids(world).sort(), ['a', 'b', 'skewed']);
  });

  it('reports how far ahead it was, and a newest time no later than the clock, so the lag still ages', async () => {
    const api = new TimeApi(100);
    api.add({ id: 'skewed', at: NOW + 3_600_000 });
    const world = new World();
    const outcome = await runCollector(SETTINGS, deps(api, world));
    assert.equal(outcome.futureSkewMs, 3_600_000);
    assert.equal(outcome.newestEventAt, new Date(NOW).toISOString());
    const quiet = await runCollector(SETTINGS, deps(api, world, NOW + 600_000));
    assert.equal(quiet.futureSkewMs, undefined, 'only a run that wrote such an event reports it');
    assert.equal(newestEventAgeSeconds(quiet, NOW + 600_000), 600);
  });

  it('brings back to the clock a newest time stored in the future by an earlier version', async () => {
    const api = new TimeApi(100);
    const world = new World();
    world.checkpoint = {
      version: 2,
      since: new Date(NOW).toISOString(),
      written: [],
      newestEventAt: new Date(NOW + 86_400_000).toISOString(),
    };
    const outcome = await runCollector(SETTINGS, deps(api, world));
    assert.equal(outcome.newestEventAt, new Date(NOW).toISOString());
  });
});

describe('the resume point of a checkpoint holding too many entries', () => {
  const at = (ms: number) => timestampFromMillis(ms);
  const written = Array.from({ length: 10 }, (_, i) => entryOf(`e${i}`, T0 + i * 1000));

  it('drops the oldest entries and moves past them, so that none it keeps is ambiguous', () => {
    const position = timePosition({
      start: at(T0 - 600_000),
      carried: [],
      written,
      boundary: at(T0 + 9000),
      lookbackMs: 300_000,
      maxEntries: 4,
    });
    assert.deepEqual(position.written, written.slice(6));
    assert.equal(position.since.epochMillis, Math.floor((T0 + 6000) / 1000) * 1000);
  });

  it('never moves past an event fetched but not written yet, nor past the newest written time', () => {
    const pending = timePosition({
      start: at(T0 - 600_000),
      carried: [],
      written,
      boundary: at(T0 + 9000),
      firstPending: at(T0 + 2000),
      lookbackMs: 300_000,
      maxEntries: 4,
    });
    assert.equal(pending.since.epochMillis, T0 + 2000);
    const future = Array.from({ length: 5 }, (_, i) => entryOf(`f${i}`, NOW + 3_600_000));
    const ahead = timePosition({
      start: at(T0),
      carried: [],
      written: future,
      boundary: at(NOW),
      lookbackMs: 0,
      maxEntries: 4,
    });
    assert.equal(ahead.since.epochMillis, NOW, 'events up to the clock may still arrive');
  });
});
