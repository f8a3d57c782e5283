import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  groupIntoObjects,
  ndjsonBody,
  planBatch,
  type BatchPlanOptions,
  type IngestMessage,
} from '../../../lambda/core/ingest/batch-plan';

const AT = new Date('2024-02-01T18:50:04.782Z');
const ids = () => {
  let n = 0;
  return () => `id-${++n}`;
};
const options: BatchPlanOptions = {
  prefix: 'apps/logs',
  gzip: false,
  maxEntriesPerObject: 1000,
  maxBytesPerObject: 100 * 1024 * 1024,
};

describe('groupIntoObjects', () => {
  const entry = (logType: string, line: string, origin = 'm') => ({ logType, line, origin });

  it('puts each log type in its own object, keeping arrival order within a log type', () => {
    const groups = groupIntoObjects(
      [entry('a', '{"n":1}', 'm1'), entry('b', '{"n":2}', 'm1'), entry('a', '{"n":3}', 'm2')],
      options,
    );
    assert.deepEqual(
      groups.map((group) => [group.logType, group.lines, group.origins]),
      [
        ['a', ['{"n":1}', '{"n":3}'], ['m1', 'm2']],
        ['b', ['{"n":2}'], ['m1']],
      ],
    );
  });

  it('cuts an object at maxEntriesPerObject', () => {
    const entries = Array.from({ length: 2500 }, (_, n) => entry('a', `{"n":${n}}`));
    const groups = groupIntoObjects(entries, { maxEntriesPerObject: 1000, maxBytesPerObject: 1e9 });
    assert.deepEqual(
      groups.map((group) => group.lines.length),
      [1000, 1000, 500],
    );
  });

  it('cuts an object before it would exceed maxBytesPerObject (newlines counted)', () => {
    const line = `{"p":"${'x'.repeat(92)}"}`; // 100 bytes, 101 with its newline
    const groups = groupIntoObjects(
      Array.from({ length: 5 }, () => entry('a', line)),
      { maxEntriesPerObject: 1000, maxBytesPerObject: 202 },
    );
    assert.deepEqual(
      groups.map((group) => [group.lines.length, group.bytes]),
      [
        [2, 202],
        [2, 202],
        [1, 101],
      ],
    );
  });

  it('gives an event larger than maxBytesPerObject an object of its own rather than dropping it', () => {
    const big = `{"p":"${'x'.repeat(500)}"}`;
    const groups = groupIntoObjects([entry('a', '{}'), entry('a', big), entry('a', '{}')], {
      maxEntriesPerObject: 10,
      maxBytesPerObject: 100,
    });
    assert.deepEqual(
      groups.map((group) => group.lines),
      [['{}'], [big], ['{}']],
    );
  });

  it('measures bytes in UTF-8, not in characters', () => {
    const [group] = groupIntoObjects([entry('a', '{"s":"€"}')], options);
    assert.equal(group.bytes, Buffer.byteLength(ndjsonBody(group.lines)));
    assert.equal(group.bytes, 12);
  });

  it('keeps every line exactly once, in order, within the limits', () => {
    const arbitraryEntries = fc.array(
      fc.record({
        logType: fc.constantFrom('a', 'b', 'c'),
        line: fc.string({ maxLength: 40 }),
        origin: fc.nat(5),
      }),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(
        arbitraryEntries,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 300 }),
        (entries, maxEntries, maxBytes) => {
          const groups = groupIntoObjects(entries, {
            maxEntriesPerObject: maxEntries,
            maxBytesPerObject: maxBytes,
          });
          for (const logType of ['a', 'b', 'c']) {
            assert.deepEqual(
              groups.filter((group) => group.logType === logType).flatMap((group) => group.lines),
              entries.filter((item) => item.logType === logType).map((item) => item.line),
            );
          }
          for (const group of groups) {
            assert.ok(group.lines.length >= 1 && group.lines.length <= maxEntries);
            assert.equal(group.bytes, Buffer.byteLength(ndjsonBody(group.lines)));
            assert.ok(group.bytes <= maxBytes || group.lines.length === 1);
          }
        },
      ),
    );
  });
});

describe('ndjsonBody', () => {
  it('ends every line, the last included, with a newline', () => {
    assert.equal(ndjsonBody(['{"a":1}', '{"b":2}']), '{"a":1}\n{"b":2}\n');
    assert.equal(ndjsonBody([]), '');
  });
});

describe('planBatch', () => {
  const message = (id: string, body: string, logType?: string): IngestMessage => ({ id, body, logType });

  it('writes one object per log type under <prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json (UTC write time)', () => {
    const plan = planBatch(
      [
        message('m1', '{"logType":"audit","n":1}\n{"logType":"access","n":2}'),
        message('m2', '{"logType":"audit","n":3}'),
      ],
      options,
      AT,
      ids(),
    );
    assert.deepEqual(plan.quarantined, []);
    assert.deepEqual(
      plan.objects.map((object) => [object.key, object.lines, object.origins]),
      [
        [
          'apps/logs/audit/2024/02/01/18/50/id-1.json',
          ['{"logType":"audit","n":1}', '{"logType":"audit","n":3}'],
          ['m1', 'm2'],
        ],
        ['apps/logs/access/2024/02/01/18/50/id-2.json', ['{"logType":"access","n":2}'], ['m1']],
      ],
    );
  });

  it('names gzip objects .json.gz', () => {
    const plan = planBatch([message('m1', '{"logType":"audit"}')], { ...options, gzip: true }, AT, ids());
    assert.equal(plan.objects[0].key, 'apps/logs/audit/2024/02/01/18/50/id-1.json.gz');
  });

  it('takes the log type from the message attribute, then the default, when the event has none', () => {
    const plan = planBatch(
      [message('m1', '{"n":1}', 'orders'), message('m2', '{"n":2}')],
      { ...options, defaultLogType: 'app' },
      AT,
      ids(),
    );
    assert.deepEqual(
      plan.objects.map((object) => [object.logType, object.lines]),
      [
        ['orders', ['{"n":1}']],
        ['app', ['{"n":2}']],
      ],
    );
  });

  it('quarantines a whole message that is not JSON or has an event without a valid log type, and writes the rest', () => {
    const plan = planBatch(
      [
        message('good', '{"logType":"audit","n":1}'),
        message('not-json', 'GET /api/ping 200'),
        message('bad-type', '{"logType":"audit","n":2}\n{"logType":"../../x"}'),
        message('no-type', '{"n":3}'),
        message('empty', '   '),
      ],
      options,
      AT,
      ids(),
    );
    assert.deepEqual(
      plan.objects.map((object) => [object.logType, object.lines, object.origins]),
      [['audit', ['{"logType":"audit","n":1}'], ['good']]],
    );
    assert.deepEqual(
      plan.quarantined.map((item) => [item.messageId, item.code, item.reason]),
      [
        ['not-json', 'INVALID_JSON', 'event 0 is not valid JSON'],
        ['bad-type', 'LOG_TYPE_INVALID', "event 1 'logType' must match ^[A-Za-z0-9_-]{1,64}$"],
        ['no-type', 'LOG_TYPE_MISSING', "event 0 has no 'logType' field and there is no default log type"],
        ['empty', 'NO_DATA', 'the body holds no events'],
      ],
    );
    assert.equal(plan.quarantined[0].body, 'GET /api/ping 200');
  });

  it("says when a bad log type came from the message's logType attribute, not the event", () => {
    const plan = planBatch(
      [message('bad-attribute', '{"n":1}', 'a/../b'), message('other', '{"n":2}', 'orders')],
      { ...options, allowed: new Set(['audit']) },
      AT,
      ids(),
    );
    assert.deepEqual(
      plan.quarantined.map((item) => [item.messageId, item.code, item.reason]),
      [
        [
          'bad-attribute',
          'LOG_TYPE_INVALID',
          `event 0 has no 'logType' field, and the message attribute logType "a/../b" must match ^[A-Za-z0-9_-]{1,64}$`,
        ],
        [
          'other',
          'LOG_TYPE_NOT_ALLOWED',
          "event 0 has no 'logType' field, and the message attribute logType 'orders' is not an allowed log type",
        ],
      ],
    );
  });

  it('quarantines events whose log type is outside the allowed set', () => {
    const plan = planBatch(
      [message('m1', '{"logType":"secret-stuff"}')],
      { ...options, allowed: new Set(['audit']) },
      AT,
      ids(),
    );
    assert.deepEqual(plan.objects, []);
    assert.equal(plan.quarantined[0].code, 'LOG_TYPE_NOT_ALLOWED');
  });

  it('writes events unchanged, enriched with defaults only when configured', () => {
    const body = '{"b":1, "a":2, "logType":"audit"}';
    assert.deepEqual(planBatch([message('m1', body)], options, AT, ids()).objects[0].lines, [body]);
    const enriched = planBatch([message('m1', body)], { ...options, enrichment: { env: 'prod' } }, AT, ids());
    assert.deepEqual(enriched.objects[0].lines, ['{"b":1, "a":2, "logType":"audit","env":"prod"}']);
  });

  it('spreads a large batch over several objects per log type at the vendor limit of 1000 entries', () => {
    const messages = Array.from({ length: 2001 }, (_, n) => message(`m${n}`, `{"logType":"audit","n":${n}}`));
    const plan = planBatch(messages, options, AT, ids());
    assert.deepEqual(
      plan.objects.map((object) => object.lines.length),
      [1000, 1000, 1],
    );
    assert.equal(new Set(plan.objects.map((object) => object.key)).size, 3);
    assert.deepEqual(plan.objects[2].origins, ['m2000']);
  });
});
