import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { layoutPrefixes, minuteOfKey, timePrefixes } from '../../../lambda/core/layout/time-prefixes';
import { buildObjectKey, timePath } from '../../../lambda/core/layout/key-layout';

const MINUTE = 60_000;
const utc = (text: string) => new Date(text);

/** The minute start times a prefix covers (`YYYY/`, …, `YYYY/MM/DD/HH/MM/`). */
function minutesOf(prefix: string): number[] {
  const parts = prefix.replace(/\/$/, '').split('/').map(Number);
  const [year, month = 1, day = 1, hour = 0, minute = 0] = parts;
  const start = Date.UTC(year, month - 1, day, hour, minute);
  const end =
    parts.length === 1
      ? Date.UTC(year + 1, 0, 1)
      : parts.length === 2
        ? Date.UTC(year, month, 1)
        : parts.length === 3
          ? start + 1440 * MINUTE
          : parts.length === 4
            ? start + 60 * MINUTE
            : start + MINUTE;
  const minutes: number[] = [];
  for (let at = start; at < end; at += MINUTE) minutes.push(at);
  return minutes;
}

describe('time prefixes of a replay range', () => {
  it('covers a range with the coarsest prefixes: minutes, hours, days at the edges', () => {
    assert.deepEqual(timePrefixes({ from: utc('2024-02-01T23:58:00Z'), to: utc('2024-02-03T01:02:00Z') }), [
      '2024/02/01/23/58/',
      '2024/02/01/23/59/',
      '2024/02/02/',
      '2024/02/03/00/',
      '2024/02/03/01/00/',
      '2024/02/03/01/01/',
    ]);
  });

  it('uses whole months and years when the range spans them', () => {
    assert.deepEqual(timePrefixes({ from: utc('2023-12-01T00:00:00Z'), to: utc('2025-02-01T00:00:00Z') }), [
      '2023/12/',
      '2024/',
      '2025/01/',
    ]);
  });

  it('is half-open at minute resolution: a partial last minute is included, the end minute is not', () => {
    assert.deepEqual(timePrefixes({ from: utc('2024-02-01T18:50:30Z'), to: utc('2024-02-01T18:52:00Z') }), [
      '2024/02/01/18/50/',
      '2024/02/01/18/51/',
    ]);
    assert.deepEqual(timePrefixes({ from: utc('2024-02-01T18:50:00Z'), to: utc('2024-02-01T18:51:10Z') }), [
      '2024/02/01/18/50/',
      '2024/02/01/18/51/',
    ]);
    assert.deepEqual(
      timePrefixes({ from: utc('2024-02-01T18:50:00Z'), to: utc('2024-02-01T18:50:00Z') }),
      [],
    );
  });

  it('lists every minute with granularity minute', () => {
    const minutes = timePrefixes(
      { from: utc('2024-02-29T23:59:00Z'), to: utc('2024-03-01T00:02:00Z') },
      { granularity: 'minute' },
    );
    assert.deepEqual(minutes, ['2024/02/29/23/59/', '2024/03/01/00/00/', '2024/03/01/00/01/']);
  });

  it('prefixes the source prefix and log type, and reads the minute back from a key', () => {
    const prefixes = layoutPrefixes({
      prefix: '/sdm/logs/',
      logType: 'activities',
      from: utc('2024-02-01T18:50Z'),
      to: utc('2024-02-01T18:51Z'),
    });
    assert.deepEqual(prefixes, ['sdm/logs/activities/2024/02/01/18/50/']);
    const key = buildObjectKey({
      prefix: 'sdm/logs',
      logType: 'activities',
      at: utc('2024-02-01T18:50:42Z'),
      id: 'x',
      gzip: true,
    });
    assert.ok(key.startsWith(prefixes[0]));
    assert.deepEqual(minuteOfKey(key), utc('2024-02-01T18:50:00Z'));
    assert.equal(minuteOfKey('sdm/logs/test'), undefined);
  });

  it('covers exactly the minutes of any range, with disjoint, ascending prefixes', () => {
    const instant = fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2027, 0, 1) });
    const span = fc.oneof(
      fc.integer({ min: 0, max: 3 * 24 * 60 * MINUTE }),
      fc.integer({ min: 0, max: 800 * 24 * 60 * MINUTE }),
    );
    fc.assert(
      fc.property(instant, span, (start, length) => {
        const range = { from: new Date(start), to: new Date(start + length) };
        const prefixes = timePrefixes(range);
        assert.ok(prefixes.length <= 300, `${prefixes.length} prefixes`);
        assert.deepEqual([...prefixes].sort(), prefixes, 'ascending = key order');
        const firstMinute = Math.floor(start / MINUTE) * MINUTE;
        const endMinute = Math.ceil((start + length) / MINUTE) * MINUTE;
        const expectedCount = (endMinute - firstMinute) / MINUTE;
        let previousEnd = firstMinute;
        let covered = 0;
        for (const prefix of prefixes) {
          const minutes = minutesOf(prefix);
          assert.equal(minutes[0], previousEnd, `${prefix} continues where the previous prefix ended`);
          assert.equal(`${timePath(new Date(minutes[0]))}/`.startsWith(prefix), true);
          previousEnd = minutes[minutes.length - 1] + MINUTE;
          covered += minutes.length;
        }
        assert.equal(covered, expectedCount);
        if (expectedCount > 0) assert.equal(previousEnd, endMinute);
      }),
      { numRuns: 300 },
    );
  });
});
