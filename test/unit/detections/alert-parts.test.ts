import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isoTime } from '../../../lambda/core/detections/alerts/iso-time';
import { MemberLog } from '../../../lambda/core/detections/alerts/member-log';
import { correlationRuleSet, engineFor, hit, T0 } from './support';

describe('alert times as text', () => {
  it('read as Date#toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        assert.equal(isoTime(ms), new Date(ms).toISOString());
        // The minute kept from the call before must not leak into the next.
        assert.equal(isoTime(ms + 61_001), new Date(ms + 61_001).toISOString());
      }),
      { numRuns: 2000 },
    );
    for (const ms of [0, 59_999, 60_000, T0, T0 + 0.5, -1, 253_402_300_800_000]) {
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
  });
});

describe('the records an alert covers', () => {
  it('are a set by event time and id, in that order whatever order they come in', () => {
    const log = new MemberLog();
    assert.equal(log.add('b', 20), true);
    assert.equal(log.add('c', 30), true);
    assert.equal(log.add('a', 10), true, 'a late one');
    assert.equal(log.add('a2', 20), true, 'same time, later id');
    assert.equal(log.add('b', 20), false, 'a redelivery');
    assert.equal(log.add('a', 10), false);
    assert.deepEqual([...log], ['a', 'a2', 'b', 'c']);
    assert.equal(log.size, 4);
  });
});

describe('alert outcomes', () => {
  it('name their alert, and give the same document on every read', async () => {
    const { engine } = engineFor(correlationRuleSet({ type: 'event_count', timespan: '5m', gte: 2 }));
    const [outcome] = await engine.process([hit('a', 0), hit('b', 1_000)], T0);
    assert.equal(outcome.dedupKey, 'burst|["g1"]|2024-02-01T13:00:00.000Z');
    assert.equal(outcome.alert.dedupKey, outcome.dedupKey);
    assert.equal(outcome.alert, outcome.alert);
    assert.deepEqual(JSON.parse(JSON.stringify(outcome.alert)).records.length, 2);
  });
});
