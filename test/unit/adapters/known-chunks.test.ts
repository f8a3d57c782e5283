import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KnownChunks } from '../../../lambda/adapters/known-chunks';

const members = (n: number, prefix = 'm') => new Set(Array.from({ length: n }, (_, i) => `${prefix}${i}`));

describe('KnownChunks', () => {
  it('answers the last read of a chunk, per alert', () => {
    const known = new KnownChunks(100);
    const first = members(2);
    known.set('a#x', 10, first);
    known.set('a#x', 10, members(3));
    assert.equal(known.get('a#x', 10)?.size, 3);
    assert.equal(known.get('a#x', 15), undefined);
    assert.equal(known.get('a#y', 10), undefined);
  });

  it('drops the chunks used least recently past its budget of members, and never keeps one larger than it', () => {
    const known = new KnownChunks(10);
    known.set('a#x', 0, members(4));
    known.set('a#x', 5, members(4));
    assert.ok(known.get('a#x', 0), 'used: now the most recent');
    known.set('a#x', 10, members(4));
    assert.deepEqual(
      [known.get('a#x', 0)?.size, known.get('a#x', 5), known.get('a#x', 10)?.size],
      [4, undefined, 4],
    );
    known.set('a#y', 0, members(11));
    assert.equal(known.get('a#y', 0), undefined);
    assert.equal(known.get('a#x', 10)?.size, 4, 'the others stay');
    // A chunk read again replaces its members in the budget: 4 + 6 fits.
    known.set('a#x', 0, members(6));
    assert.deepEqual([known.get('a#x', 0)?.size, known.get('a#x', 10)?.size], [6, 4]);
  });
});
