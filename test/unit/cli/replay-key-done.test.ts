import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyDoneThrough } from '../../../cli/replay/replay';
import type { ListedObject } from '../../../cli/replay/s3-notification';

const listed = (key: string, versionId: string): ListedObject => ({
  key,
  versionId,
  size: 1,
  lastModified: new Date(0),
});

describe("a replay's checkpoint after a batch done in part", () => {
  const batch = [listed('a', '2'), listed('a', '1'), listed('b', '3'), listed('b', '2'), listed('b', '1')];

  it('names the last key whose every version was done', () => {
    assert.equal(keyDoneThrough(batch, 5, 'before'), 'b');
    assert.equal(keyDoneThrough(batch, 2, 'before'), 'a');
  });

  it('does not name a key with a version left: a resumed run does that key again', () => {
    assert.equal(keyDoneThrough(batch, 4, 'before'), 'a');
    assert.equal(keyDoneThrough(batch, 1, 'before'), 'before');
    assert.equal(keyDoneThrough(batch, 0, 'before'), 'before');
  });

  it('current versions only (one per key): the last one done', () => {
    const keys = [listed('a', 'null'), listed('b', 'null')];
    assert.equal(keyDoneThrough(keys, 1, undefined), 'a');
  });
});
