import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCollector, type CollectorRunSettings } from '../../../lambda/core/collectors/engine';
import { objectCut } from '../../../lambda/core/collectors/object-cut';
import { runDeps, T0, TimeApi, World } from './fakes';

const SETTINGS: CollectorRunSettings = {
  name: 'test',
  prefix: 'p',
  logType: 'l',
  firstRunLookbackMs: 7 * 86_400_000,
  maxRecordsPerObject: 10,
};

const deps = (api: TimeApi, world: World) => runDeps(api, world);

const events = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `e${from + i}`, at: T0 + (from + i) * 1000 }));

describe('a run repeating the write of a run that died before its checkpoint', () => {
  it('cuts the last, short object the same way though more events arrived, and so finds it there', async () => {
    const api = new TimeApi(100);
    api.add(...events(0, 3));
    const world = new World();
    // The first commit records the short object's cut; the process dies after the put, at the second.
    world.crashAtCommit = 1;
    await runCollector(SETTINGS, deps(api, world));
    assert.equal(world.objects.size, 1);
    world.crashAtCommit = undefined;
    api.add(...events(3, 1));
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2', 'e3'],
    );
    assert.deepEqual(
      [...world.objects.values()].map((object) => object.records),
      [3, 1],
    );
  });

  it('writes the object whole, once, when the process died while putting it', async () => {
    const api = new TimeApi(100);
    api.add(...events(0, 3));
    const world = new World();
    world.crashAtWrite = 0;
    await runCollector(SETTINGS, deps(api, world));
    world.crashAtWrite = undefined;
    api.add(...events(3, 2));
    await runCollector(SETTINGS, deps(api, world));
    assert.deepEqual(
      world.lines().map((line) => line.id),
      ['e0', 'e1', 'e2', 'e3', 'e4'],
    );
  });
});

describe('where the next object ends', () => {
  it('waits for more events while the object is not full and the run goes on', () => {
    assert.equal(objectCut({ pending: 3, fits: 3, maxRecords: 10, all: false }), undefined);
  });

  it('ends at a cap without recording the cut: the events after it decided it', () => {
    assert.deepEqual(objectCut({ pending: 12, fits: 10, maxRecords: 10, all: false }), {
      size: 10,
      plan: false,
    });
  });

  it('records the cut of the last, short object of a run before it is put', () => {
    assert.deepEqual(objectCut({ pending: 3, fits: 3, maxRecords: 10, all: true }), { size: 3, plan: true });
    assert.deepEqual(objectCut({ pending: 10, fits: 10, maxRecords: 10, all: true }), {
      size: 10,
      plan: false,
    });
  });

  it('follows the cut a crashed run recorded, waiting for its events, unless the caps no longer allow it', () => {
    assert.deepEqual(objectCut({ pending: 4, fits: 4, maxRecords: 10, planned: 3, all: false }), {
      size: 3,
      plan: false,
    });
    assert.equal(objectCut({ pending: 2, fits: 2, maxRecords: 10, planned: 3, all: false }), undefined);
    assert.deepEqual(objectCut({ pending: 5, fits: 2, maxRecords: 2, planned: 3, all: false }), {
      size: 2,
      plan: false,
    });
  });
});
