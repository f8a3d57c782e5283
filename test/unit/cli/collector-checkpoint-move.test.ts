import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { moveCheckpoint, pastTiedSecond } from '../../../cli/collectors/checkpoint-move';
import type { Checkpoint } from '../../../lambda/core/collectors/types';
import { parseConfig } from '../../../lambda/core/config/load';
import { encodeEntry, entryOf } from '../../../lambda/core/collectors/written-ids';

const NOW = new Date('2026-12-02T12:00:00Z');
const TIED = Date.parse('2026-12-02T11:50:00Z');
const checkpoint: Checkpoint = {
  version: 2,
  since: '2026-12-02T11:45:00Z',
  written: [entryOf('a', TIED - 60_000), entryOf('b', TIED + 400), entryOf('c', TIED + 1_200)].map(
    encodeEntry,
  ),
  newestEventAt: '2026-12-02T11:50:00.400Z',
};

describe('moving a collector checkpoint on purpose', () => {
  it('moves past the tied second, keeping the ids it must still skip and the newest event for lag', () => {
    const state = {
      checkpoint,
      lastErrorCode: 'COLLECTOR_TIES_EXCEED_PAGE',
      lastErrorTiesAt: new Date(TIED).toISOString(),
    };
    const to = pastTiedSecond('tied', state, 1000);
    assert.equal(to.toISOString(), '2026-12-02T11:50:01.000Z');
    const move = moveCheckpoint('tied', checkpoint, to, NOW);
    assert.deepEqual(move.skipped, {
      from: '2026-12-02T11:45:00.000Z',
      to: '2026-12-02T11:50:01.000Z',
      events: 'unknown',
    });
    assert.equal(move.readAgain, null);
    assert.deepEqual(move.checkpoint, {
      version: 2,
      since: '2026-12-02T11:50:01.000Z',
      written: [encodeEntry(entryOf('c', TIED + 1_200))],
      newestEventAt: '2026-12-02T11:50:00.400Z',
    });
    assert.equal(pastTiedSecond('tied', state, 1).toISOString(), '2026-12-02T11:50:00.001Z');
  });

  it('refuses --skip-second without a tied stop, a move into the future, and a move to where it is', () => {
    assert.throws(
      () => pastTiedSecond('x', { checkpoint, lastErrorCode: 'COLLECTOR_AUTH_FAILED' }, 1000),
      /--set <time>/,
    );
    assert.throws(
      () => pastTiedSecond('x', { checkpoint, lastErrorCode: 'COLLECTOR_TIES_EXCEED_PAGE' }, 1000),
      /--set/,
    );
    assert.throws(() => moveCheckpoint('x', checkpoint, new Date(NOW.getTime() + 1), NOW), /future/);
    assert.throws(() => moveCheckpoint('x', checkpoint, new Date(checkpoint.since), NOW), /nothing to move/);
  });

  it('moving back reads again, and drops a durable cursor so the next run asks by time', () => {
    const move = moveCheckpoint(
      'x',
      { ...checkpoint, cursor: 'after-42' },
      new Date('2026-12-02T11:00:00Z'),
      NOW,
    );
    assert.equal(move.skipped, null);
    assert.deepEqual(move.readAgain, { from: '2026-12-02T11:00:00.000Z', to: '2026-12-02T11:45:00.000Z' });
    assert.equal(move.cursorDropped, true);
    assert.equal(move.checkpoint.cursor, undefined);
    assert.equal(move.checkpoint.written.length, 3);
  });
});

describe('the collector name `checkpoint`', () => {
  it('is refused: `sluice collect checkpoint` is the command, so such a collector could not be run', () => {
    const raw = (name: string) => ({
      sources: [{ name: 'audit', prefix: 'audit/acme', timestampField: 'time' }],
      collectors: [
        {
          type: 'http-json',
          name,
          source: 'audit',
          logType: 'events',
          url: 'https://api.example.com/events',
          query: { since: '{since}' },
          auth: { type: 'none' },
          timestampField: 'time',
          pagination: { type: 'since' },
        },
      ],
    });
    assert.doesNotThrow(() => parseConfig(raw('checkpoints')));
    assert.throws(
      () => parseConfig(raw('checkpoint')),
      /collectors\[0\]\.name: must not be "checkpoint".*Fix: choose another name/,
    );
  });
});
