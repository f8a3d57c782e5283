import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SluiceError } from '../../../lambda/core/errors';
import { civilFromDays, daysFromCivil } from '../../../lambda/core/records/civil-time';
import { parseTimestamp, timestampFromDate } from '../../../lambda/core/records/timestamp';

/** Date can be trusted from 1970 on for these cross-checks; years 0-99 are where Date.UTC misleads. */
const MIN_CHECKED = Date.UTC(1000, 0, 1);
const MAX_CHECKED = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('parseTimestamp', () => {
  const understood: [unknown, string, string, number][] = [
    // RFC 3339 strings keep their fraction exactly, at up to nanosecond precision.
    [
      '2024-02-01T18:50:04.782960647Z',
      '2024-02-01T18:50:04.782960647Z',
      '1706813404.782960647',
      1706813404782,
    ],
    ['2024-02-01T18:50:04Z', '2024-02-01T18:50:04Z', '1706813404', 1706813404000],
    ['2024-02-01T18:50:04.5Z', '2024-02-01T18:50:04.5Z', '1706813404.5', 1706813404500],
    ['2024-02-01T18:50:04.500Z', '2024-02-01T18:50:04.500Z', '1706813404.500', 1706813404500],
    ['2024-02-01t18:50:04z', '2024-02-01T18:50:04Z', '1706813404', 1706813404000],
    ['2024-02-01 18:50:04Z', '2024-02-01T18:50:04Z', '1706813404', 1706813404000],
    // The vendor's connectivity test record.
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '-62135596800', -62135596800000],
    // Offsets are converted to UTC, with or without a colon.
    ['2025-09-09T13:30:00-0000', '2025-09-09T13:30:00Z', '1757424600', 1757424600000],
    ['2025-09-09T13:30:00+00:00', '2025-09-09T13:30:00Z', '1757424600', 1757424600000],
    [
      '2025-09-09T19:00:00.123456789+0530',
      '2025-09-09T13:30:00.123456789Z',
      '1757424600.123456789',
      1757424600123,
    ],
    ['2025-09-09T06:30:00.1-07:00', '2025-09-09T13:30:00.1Z', '1757424600.1', 1757424600100],
    ['2024-03-01T01:00:00+02:00', '2024-02-29T23:00:00Z', '1709247600', 1709247600000],
    ['2023-12-31T20:00:00-05:00', '2024-01-01T01:00:00Z', '1704070800', 1704070800000],
    // Finer than nanoseconds: cut to nanoseconds.
    [
      '2024-02-01T18:50:04.782960647999Z',
      '2024-02-01T18:50:04.782960647Z',
      '1706813404.782960647',
      1706813404782,
    ],
    // Epoch seconds (numbers or numeric strings) below 1e11; milliseconds from 1e11 on.
    [1706813404, '2024-02-01T18:50:04Z', '1706813404', 1706813404000],
    [1706813404.25, '2024-02-01T18:50:04.25Z', '1706813404.25', 1706813404250],
    [1706813404782, '2024-02-01T18:50:04.782Z', '1706813404.782', 1706813404782],
    [1706813404000, '2024-02-01T18:50:04Z', '1706813404', 1706813404000],
    ['1706813404.782960647', '2024-02-01T18:50:04.782960647Z', '1706813404.782960647', 1706813404782],
    ['1706813404782.5', '2024-02-01T18:50:04.7825Z', '1706813404.7825', 1706813404782],
    ['1706813404', '2024-02-01T18:50:04Z', '1706813404', 1706813404000],
    [99_999_999_999, '5138-11-16T09:46:39Z', '99999999999', 99_999_999_999_000],
    [100_000_000_000, '1973-03-03T09:46:40Z', '100000000', 100_000_000_000],
    [0, '1970-01-01T00:00:00Z', '0', 0],
    [-1.25, '1969-12-31T23:59:58.75Z', '-1.25', -1250],
    ['1.7068134047e9', '2024-02-01T18:50:04.7Z', '1706813404.7', 1706813404700],
    // Microseconds from 1e15 on, nanoseconds from 1e18 on (Cloudflare Logpush's default `unixnano`,
    // a JSON number beyond 2^53 that reads back as the digits written).
    [1e15, '2001-09-09T01:46:40Z', '1000000000', 1_000_000_000_000],
    [1706813404782960, '2024-02-01T18:50:04.78296Z', '1706813404.78296', 1706813404782],
    ['1706813404782960.5', '2024-02-01T18:50:04.7829605Z', '1706813404.7829605', 1706813404782],
    [1e18, '2001-09-09T01:46:40Z', '1000000000', 1_000_000_000_000],
    [
      JSON.parse('1506702504433000200') as number,
      '2017-09-29T16:28:24.4330002Z',
      '1506702504.4330002',
      1506702504433,
    ],
    ['1506702504433000200', '2017-09-29T16:28:24.4330002Z', '1506702504.4330002', 1506702504433],
  ];
  for (const [input, iso, epochSeconds, epochMillis] of understood) {
    it(`understands ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseTimestamp(input), { iso, epochSeconds, epochMillis });
    });
  }

  const notUnderstood: unknown[] = [
    undefined,
    null,
    true,
    {},
    [1706813404],
    '',
    'yesterday',
    '2024-02-01',
    '2024-02-01T18:50:04', // no zone: which time would it be?
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-02-01T24:00:00Z',
    '2024-02-01T18:60:00Z',
    '2016-12-31T23:59:60Z', // a leap second: not representable
    '2024-02-01T18:50:04+24:00',
    '2024-02-01T18:50:04.Z',
    ' 2024-02-01T18:50:04Z',
    ' 1706813404',
    '0x65bbe8dc',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e300,
    '1e400',
    -1e14, // before the year 0
    999_999_999_999_999, // milliseconds: the year 33658
    '999999999999999999', // microseconds: the year 33658 (as a number it would round to 1e18)
    '9999-12-31T23:59:59-01:00', // the year 10000 in UTC
    // Shaped like the vendor's form, with a bad character in each field.
    '20x4-02-01T18:50:04Z',
    '+024-02-01T18:50:04Z',
    '2024-0x-01T18:50:04Z',
    '2024-02-x1T18:50:04Z',
    '2024-02-01Tx8:50:04Z',
    '2024-02-01T18:x0:04Z',
    '2024-02-01T18:50:x4Z',
    '2024-02-01T18:50:04.x2Z',
    '2024-02-01T18:50:04.Z',
  ];
  for (const input of notUnderstood) {
    it(`does not understand ${typeof input === 'number' ? input : JSON.stringify(input)}`, () => {
      assert.equal(parseTimestamp(input), undefined);
    });
  }

  it('agrees with Date for any millisecond instant written by toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_CHECKED, max: MAX_CHECKED }), (millis) => {
        const iso = new Date(millis).toISOString();
        assert.deepEqual(parseTimestamp(iso), {
          iso,
          epochSeconds: (millis / 1000).toFixed(3),
          epochMillis: millis,
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('reads the vendor form (UTC, `Z`) as it reads the same instant written with +00:00', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 86_399 }),
        fc.stringMatching(/^(\.\d{1,12})?$/),
        (year, month, day, second, fraction) => {
          const date = `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
          const time = `${pad(Math.floor(second / 3600))}:${pad(Math.floor(second / 60) % 60)}:${pad(second % 60)}`;
          const written = `${date}T${time}${fraction}`;
          assert.deepEqual(parseTimestamp(`${written}Z`), parseTimestamp(`${written}+00:00`), written);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps nanoseconds exactly, whatever the offset', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 253_402_300_799_999_999_999n }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (nanos, offsetMinutes) => {
          const seconds = Number(nanos / 1_000_000_000n);
          const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
          const utc = new Date(seconds * 1000).toISOString().slice(0, 19);
          const local = new Date((seconds + offsetMinutes * 60) * 1000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const zone = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
          if (!/^\d{4}-/.test(local)) return; // the local time falls outside four-digit years
          assert.deepEqual(parseTimestamp(`${local}.${fraction}${zone}`), {
            iso: `${utc}.${fraction}Z`,
            epochSeconds: `${seconds}.${fraction}`,
            epochMillis: Number(nanos / 1_000_000n),
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads epoch seconds written as decimal text exactly, before 1970 too', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -62_135_596_800_000_000_000n, max: 99_999_999_999_999_999_999n }),
        (nanos) => {
          const text = decimalText(nanos, 9);
          const seconds = floorDiv(nanos, 1_000_000_000n);
          const fraction = (nanos - seconds * 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
          assert.deepEqual(parseTimestamp(text), {
            iso: `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`,
            epochSeconds: decimalText(nanos, 9).replace(/\.?0+$/, '') || '0',
            epochMillis: Number(floorDiv(nanos, 1_000_000n)),
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads epoch milliseconds with a fraction, written as text, to the nanosecond', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 100_000_000_000_000_000n, max: 253_402_300_799_999_999_999n }),
        (nanos) => {
          const parsed = parseTimestamp(decimalText(nanos, 6)); // milliseconds with six fraction digits
          assert.equal(parsed?.epochSeconds, decimalText(nanos, 9).replace(/\.?0+$/, ''));
          assert.equal(parsed?.epochMillis, Number(nanos / 1_000_000n));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads epoch milliseconds as the same instant as the Date of those milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100_000_000_000, max: MAX_CHECKED }), (millis) => {
        assert.deepEqual(parseTimestamp(millis), timestampFromDate(new Date(millis)));
        assert.deepEqual(parseTimestamp(String(millis)), timestampFromDate(new Date(millis)));
      }),
    );
  });
});

describe('timestampFromDate', () => {
  it('writes the instant at millisecond precision, without a fraction of zeros', () => {
    assert.deepEqual(timestampFromDate(new Date('2024-02-01T18:50:04.780Z')), {
      iso: '2024-02-01T18:50:04.78Z',
      epochSeconds: '1706813404.78',
      epochMillis: 1706813404780,
    });
    assert.deepEqual(timestampFromDate(new Date('2024-02-01T18:50:04.000Z')), {
      iso: '2024-02-01T18:50:04Z',
      epochSeconds: '1706813404',
      epochMillis: 1706813404000,
    });
  });

  it('refuses an invalid Date', () => {
    assert.throws(
      () => timestampFromDate(new Date('not a date')),
      (error: unknown) => error instanceof SluiceError && error.code === 'TIMESTAMP_OUT_OF_RANGE',
    );
  });
});

describe('calendar arithmetic', () => {
  it('agrees with Date, including leap years, and round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 2_932_896 }), (days) => {
        const date = new Date(days * 86_400_000);
        const civil = civilFromDays(days);
        assert.deepEqual(civil, {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
        });
        assert.equal(daysFromCivil(civil.year, civil.month, civil.day), days);
      }),
      { numRuns: 2000 },
    );
  });
});

/** `units / 10^scale` as decimal text with `scale` fraction digits. */
function decimalText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function floorDiv(dividend: bigint, divisor: bigint): bigint {
  const quotient = dividend / divisor;
  return dividend % divisor !== 0n && dividend < 0n ? quotient - 1n : quotient;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
