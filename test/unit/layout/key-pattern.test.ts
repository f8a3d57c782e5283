import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SluiceError } from '../../../lambda/core/errors';
import {
  DEFAULT_KEY_LAYOUT,
  intervalInRange,
  keyPatternProblem,
  logTypeOfKey,
  matchKey,
  nextInstant,
  parseKeyPattern,
  rootKeyPrefixes,
  timeFolderPrefixes,
  type TimeUnit,
} from '../../../lambda/core/layout/key-pattern';
import { timePrefixes } from '../../../lambda/core/layout/time-prefixes';

const GITHUB = '{yyyy}/{MM}/{dd}/{HH}/{mm}/{*}';
const CLOUDFLARE = '{yyyy}{MM}{dd}/{*}';
const CLOUDTRAIL =
  'AWSLogs/{*}/CloudTrail/{*}/{yyyy}/{MM}/{dd}/{*}_CloudTrail_{*}_{yyyy}{MM}{dd}T{HH}{mm}Z_{*}';
const CLOUDTRAIL_ORG =
  'AWSLogs/{*}/{*}/CloudTrail/{*}/{yyyy}/{MM}/{dd}/{*}_CloudTrail_{*}_{yyyy}{MM}{dd}T{HH}{mm}Z_{*}';

const utc = (text: string) => new Date(text);
const match = (layout: string, rest: string) => matchKey(parseKeyPattern(layout), rest);

describe('key layout patterns', () => {
  describe('parsing', () => {
    const refused: [string, RegExp][] = [
      ['', /1-512 characters/],
      ['{logType}//{*}', /empty segment/],
      ['/{logType}/{*}', /empty segment/],
      ['{logType}/{*}/', /empty segment/],
      ['{logtype}/{*}', /unknown token \{logtype\}/],
      ['{yyyy}/{ss}/{*}', /unknown token \{ss\}/],
      ['logs-{logType}/{*}', /\{logType\} inside 'logs-\{logType\}'/],
      ['{logType}/{logType}/{*}', /\{logType\} more than once/],
      ['{*}{*}', /\{\*\} next to another token/],
      ['{yyyy}{*}/x', /\{\*\} next to another token/],
      ['{MM}/{dd}/{*}', /without \{yyyy\}/],
      ['{yyyy}/{MM}/{HH}/{*}', /without \{dd\}/],
      ['{yyyy/{*}', /unclosed/],
      ['a b/{*}', /literal text/],
      ['a\\b/{*}', /literal text/],
      ['../{*}', /'\.\.' segment/],
    ];
    for (const [layout, reason] of refused) {
      it(`refuses ${JSON.stringify(layout)}`, () => {
        assert.throws(
          () => parseKeyPattern(layout),
          (error: unknown) =>
            error instanceof SluiceError && error.code === 'KEY_LAYOUT_INVALID' && reason.test(error.message),
        );
        assert.match(keyPatternProblem(layout) ?? '', reason);
      });
    }

    it('accepts every preset layout, mixed segments and Hive-style folders', () => {
      for (const layout of [
        DEFAULT_KEY_LAYOUT,
        GITHUB,
        CLOUDFLARE,
        CLOUDTRAIL,
        CLOUDTRAIL_ORG,
        'dt={yyyy}-{MM}-{dd}/hour={HH}/{*}.json.gz',
        '{*}',
      ]) {
        assert.equal(keyPatternProblem(layout), undefined, layout);
      }
    });

    it('knows which folders carry time and how finely the whole key does', () => {
      const described = (layout: string) => {
        const { timeFolders, keyResolution } = parseKeyPattern(layout);
        return { folders: timeFolders?.units.join(','), key: keyResolution };
      };
      assert.deepEqual(described(DEFAULT_KEY_LAYOUT), {
        folders: 'year,month,day,hour,minute',
        key: 'minute',
      });
      assert.deepEqual(described(CLOUDFLARE), { folders: 'year,month,day', key: 'day' });
      assert.deepEqual(described(CLOUDTRAIL), { folders: 'year,month,day', key: 'minute' });
      assert.deepEqual(described('{logType}/{*}'), { folders: undefined, key: undefined });
      // Folders out of calendar order cannot be listed by range; the key still has its time.
      assert.deepEqual(described('{dd}{MM}{yyyy}/{*}'), { folders: undefined, key: 'day' });
    });
  });

  describe('matching a key', () => {
    it("reads StrongDM's log type and minute", () => {
      assert.deepEqual(match(DEFAULT_KEY_LAYOUT, 'activities/2024/02/01/18/50/0b7c.json'), {
        logType: 'activities',
        time: { start: utc('2024-02-01T18:50:00Z'), unit: 'minute' },
      });
    });

    it("reads GitHub's minute folders at the bucket root, whatever the file extension", () => {
      assert.deepEqual(match(GITHUB, '2022/08/13/04/18/8e9d30f7-4352-43da-b197-83f8b7694ddc.json.log.gz'), {
        logType: undefined,
        time: { start: utc('2022-08-13T04:18:00Z'), unit: 'minute' },
      });
    });

    it("reads Cloudflare's {DATE} folder as one day", () => {
      assert.deepEqual(match(CLOUDFLARE, '20240201/20240201T185030Z_20240201T185100Z_4d2c1a9e.log.gz'), {
        logType: undefined,
        time: { start: utc('2024-02-01T00:00:00Z'), unit: 'day' },
      });
    });

    it('reads the delivery minute of a CloudTrail file name, and of an organization trail', () => {
      const file = '111122223333_CloudTrail_us-east-2_20240201T1850Z_Ab12Cd34Ef56Gh78.json.gz';
      assert.deepEqual(match(CLOUDTRAIL, `AWSLogs/111122223333/CloudTrail/us-east-2/2024/02/01/${file}`), {
        logType: undefined,
        time: { start: utc('2024-02-01T18:50:00Z'), unit: 'minute' },
      });
      assert.equal(
        match(
          CLOUDTRAIL_ORG,
          `AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-2/2024/02/01/${file}`,
        )?.time?.start.toISOString(),
        '2024-02-01T18:50:00.000Z',
      );
      assert.equal(
        match(CLOUDTRAIL, `AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-east-2/2024/02/01/${file}`),
        undefined,
      );
    });

    it('does not match a CloudTrail digest file, nor a folder that disagrees with its file name', () => {
      assert.equal(
        match(
          CLOUDTRAIL,
          'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2024/02/01/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20240201T185131Z.json.gz',
        ),
        undefined,
      );
      assert.equal(
        match(
          CLOUDTRAIL,
          'AWSLogs/111122223333/CloudTrail/us-east-2/2024/02/02/111122223333_CloudTrail_us-east-2_20240201T1850Z_Ab12Cd34Ef56Gh78.json.gz',
        ),
        undefined,
      );
    });

    it('does not match impossible dates, other depths or an invalid log type', () => {
      for (const rest of [
        'activities/2024/02/30/18/50/x.json',
        'activities/2024/13/01/18/50/x.json',
        'activities/2024/02/01/24/00/x.json',
        'activities/2024/02/01/18/60/x.json',
        'activities/2024/02/01/18/50/deeper/x.json',
        'activities/2024/02/01/18/x.json',
        'act.ivities/2024/02/01/18/50/x.json',
        'test',
      ]) {
        assert.equal(match(DEFAULT_KEY_LAYOUT, rest), undefined, rest);
      }
      assert.ok(match(DEFAULT_KEY_LAYOUT, 'activities/2024/02/29/23/59/x.json'), 'a leap day');
    });

    it('finds the log type of a key whose rest does not follow the layout', () => {
      const layout = parseKeyPattern(DEFAULT_KEY_LAYOUT);
      assert.equal(logTypeOfKey(layout, 'activities/file.json'), 'activities');
      assert.equal(logTypeOfKey(layout, 'activities'), undefined, 'a file directly under the prefix');
      assert.equal(logTypeOfKey(layout, 'a.b/file.json'), undefined);
      assert.equal(logTypeOfKey(parseKeyPattern('logs/{logType}/{*}'), 'other/x/file.json'), undefined);
      assert.equal(logTypeOfKey(parseKeyPattern('logs/{logType}/{*}'), 'logs/dns/file.json'), 'dns');
      assert.equal(logTypeOfKey(parseKeyPattern(CLOUDTRAIL), 'AWSLogs/1/CloudTrail/x'), undefined);
    });
  });

  describe('listing a time range', () => {
    it('gives the same prefixes as the minute layout always did', () => {
      const layout = parseKeyPattern(DEFAULT_KEY_LAYOUT);
      const instant = fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2027, 0, 1) });
      const span = fc.integer({ min: 0, max: 800 * 24 * 60 * 60_000 });
      fc.assert(
        fc.property(instant, span, (start, length) => {
          const range = { from: new Date(start), to: new Date(start + length) };
          assert.deepEqual(timeFolderPrefixes(layout, range), timePrefixes(range));
        }),
        { numRuns: 300 },
      );
    });

    it('lists Cloudflare date folders by day, month and year', () => {
      const layout = parseKeyPattern(CLOUDFLARE);
      assert.deepEqual(
        timeFolderPrefixes(layout, { from: utc('2024-01-30T18:50Z'), to: utc('2024-03-02T00:10Z') }),
        ['20240130/', '20240131/', '202402', '20240301/', '20240302/'],
      );
      assert.deepEqual(
        timeFolderPrefixes(layout, { from: utc('2023-01-01T00:00Z'), to: utc('2024-01-01T00:00Z') }),
        ['2023'],
      );
      assert.deepEqual(
        timeFolderPrefixes(
          layout,
          { from: utc('2024-02-01T10:00Z'), to: utc('2024-02-01T11:00Z') },
          { widenBefore: true },
        ),
        ['20240131/', '20240201/'],
        'one day earlier, for objects filtered by when they were written',
      );
    });

    it('lists CloudTrail day folders', () => {
      const layout = parseKeyPattern(CLOUDTRAIL);
      assert.deepEqual(
        timeFolderPrefixes(layout, { from: utc('2024-02-01T18:50Z'), to: utc('2024-02-03T00:00Z') }),
        ['2024/02/01/', '2024/02/02/'],
      );
    });

    it('puts every key of a range under exactly one prefix, and no key outside it (property)', () => {
      const layouts: [string, (at: Date) => string, TimeUnit][] = [
        [CLOUDFLARE, (at) => `${stamp(at, 'day')}/x.log.gz`, 'day'],
        [GITHUB, (at) => `${slashed(at)}/uuid.json.log.gz`, 'minute'],
        [
          'dt={yyyy}-{MM}-{dd}/hour={HH}/{*}',
          (at) => `dt=${dashed(at)}/hour=${p2(at.getUTCHours())}/f`,
          'hour',
        ],
      ];
      const instant = fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2027, 0, 1) });
      const span = fc.integer({ min: 0, max: 400 * 24 * 60 * 60_000 });
      const probe = fc.integer({ min: Date.UTC(2018, 6, 1), max: Date.UTC(2028, 6, 1) });
      for (const [text, keyAt, unit] of layouts) {
        const layout = parseKeyPattern(text);
        fc.assert(
          fc.property(instant, span, probe, (start, length, at) => {
            const range = { from: new Date(start), to: new Date(start + length) };
            const prefixes = timeFolderPrefixes(layout, range);
            assert.deepEqual([...prefixes].sort(), prefixes, 'ascending = key order');
            const key = keyAt(new Date(at));
            const holders = prefixes.filter((prefix) => key.startsWith(prefix));
            const time = matchKey(layout, key)!.time!;
            assert.equal(time.unit, unit);
            const inRange =
              time.start < range.to && nextInstant(time.start, time.unit).getTime() > range.from.getTime();
            assert.equal(holders.length, inRange ? 1 : 0, `${key} under ${JSON.stringify(holders)}`);
          }),
          { numRuns: 300 },
        );
      }
    });
  });

  it('tells whether the interval a key names meets a range, at minute resolution', () => {
    const day = { start: utc('2024-02-01T00:00Z'), unit: 'day' as const };
    assert.equal(
      intervalInRange(day, { from: utc('2024-02-01T23:59:30Z'), to: utc('2024-02-03T00:00Z') }),
      true,
    );
    assert.equal(
      intervalInRange(day, { from: utc('2024-02-02T00:00Z'), to: utc('2024-02-03T00:00Z') }),
      false,
    );
    assert.equal(
      intervalInRange(day, { from: utc('2024-01-01T00:00Z'), to: utc('2024-02-01T00:00Z') }),
      false,
    );
    const minute = { start: utc('2024-02-01T18:50Z'), unit: 'minute' as const };
    assert.equal(
      intervalInRange(minute, { from: utc('2024-02-01T18:50:30Z'), to: utc('2024-02-01T18:51Z') }),
      true,
    );
    assert.equal(
      intervalInRange(minute, { from: utc('2024-02-01T18:49Z'), to: utc('2024-02-01T18:50Z') }),
      false,
    );
  });

  it('names what every key of a layout anchored at the bucket root starts with', () => {
    assert.deepEqual(rootKeyPrefixes(parseKeyPattern(GITHUB)), [
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    assert.deepEqual(rootKeyPrefixes(parseKeyPattern(CLOUDTRAIL)), ['AWSLogs/']);
    assert.deepEqual(rootKeyPrefixes(parseKeyPattern('logs-{yyyy}/{*}')), ['logs-']);
    assert.equal(rootKeyPrefixes(parseKeyPattern(DEFAULT_KEY_LAYOUT)), undefined);
    assert.equal(rootKeyPrefixes(parseKeyPattern('{*}/{yyyy}/{*}')), undefined);
  });
});

const p2 = (value: number) => String(value).padStart(2, '0');
function stamp(at: Date, unit: 'day'): string {
  void unit;
  return `${at.getUTCFullYear()}${p2(at.getUTCMonth() + 1)}${p2(at.getUTCDate())}`;
}
function dashed(at: Date): string {
  return `${at.getUTCFullYear()}-${p2(at.getUTCMonth() + 1)}-${p2(at.getUTCDate())}`;
}
function slashed(at: Date): string {
  return [
    at.getUTCFullYear(),
    p2(at.getUTCMonth() + 1),
    p2(at.getUTCDate()),
    p2(at.getUTCHours()),
    p2(at.getUTCMinutes()),
  ].join('/');
}
