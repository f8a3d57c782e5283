import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fallbackRecordId, ownIdOf } from '../../../lambda/core/records/id';

describe("ownIdOf: the id a record's id field holds", () => {
  it('takes a string or a finite number', () => {
    assert.equal(ownIdOf('at-33faa6fb65df876a'), 'at-33faa6fb65df876a');
    assert.equal(ownIdOf('x'), 'x');
    assert.equal(ownIdOf(42), '42');
    assert.equal(ownIdOf(1.5), '1.5');
  });

  it('gives nothing for a field the record does not have', () => {
    assert.equal(ownIdOf(undefined), undefined);
  });

  it('refuses empty ids, ids over 200 bytes (counted in UTF-8), and values that are not ids', () => {
    assert.equal(ownIdOf(''), undefined);
    assert.equal(ownIdOf('x'.repeat(200)), 'x'.repeat(200));
    assert.equal(ownIdOf('x'.repeat(201)), undefined);
    assert.equal(ownIdOf('é'.repeat(100)), 'é'.repeat(100));
    assert.equal(ownIdOf('é'.repeat(101)), undefined);
    // Around the length below which no count is needed (3 bytes per UTF-16 unit at most).
    assert.equal(ownIdOf('€'.repeat(66)), '€'.repeat(66), '198 bytes');
    assert.equal(ownIdOf('€'.repeat(67)), undefined, '201 bytes');
    assert.equal(ownIdOf('🚀'.repeat(50)), '🚀'.repeat(50), '200 bytes');
    assert.equal(ownIdOf('🚀'.repeat(51)), undefined, '204 bytes');
    for (const id of [null, true, { v: 1 }, ['a'], Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(ownIdOf(id), undefined, `${JSON.stringify(id)} is not an id`);
    }
  });
});

describe('fallbackRecordId', () => {
  const location = {
    bucket: 'logs-bucket',
    key: 'sdm/logs/activities/2024/02/01/18/50/u.json',
    eTag: 'v1',
    offset: 706,
  };

  it('is the same across runs and processes (pinned: changing it re-delivers everything as new)', () => {
    assert.equal(fallbackRecordId(location), fallbackRecordId({ ...location }));
    // base64url of the first 20 bytes of sha256('["sluice-record-id-v1","logs-bucket","sdm/…/u.json","v1",706]')
    assert.equal(fallbackRecordId(location), 'Q49BbTfXrWMkGJ_0S4CSK_50mmZ');
  });

  it('hashes the UTF-8 of keys with non-ASCII characters (pinned like the above)', () => {
    assert.equal(
      fallbackRecordId({ ...location, key: 'logs/ünïcødé/日本/🙂.json' }),
      'fu8zKoka6CWkXt2m1FHMLRpPdTn',
    );
  });

  it('is the hash of the JSON of its parts, whatever objects came before', () => {
    const reference = (where: typeof location) =>
      createHash('sha256')
        .update(JSON.stringify(['sluice-record-id-v1', where.bucket, where.key, where.eTag, where.offset]))
        .digest('base64url')
        .slice(0, 27);
    const part = fc.constantFrom('a', 'b', 'a"b', 'ü/日本', '\\', '');
    const where = fc.record({
      bucket: part,
      key: part,
      eTag: part,
      offset: fc.oneof(fc.nat(), fc.constantFrom(-0, 2 ** 53, 1.5, Number.MAX_SAFE_INTEGER)),
    });
    fc.assert(
      fc.property(fc.array(where, { maxLength: 12 }), (locations) => {
        for (const each of locations) assert.equal(fallbackRecordId(each), reference(each));
      }),
    );
  });

  it('is 27 URL-safe characters', () => {
    assert.match(fallbackRecordId(location), /^[A-Za-z0-9_-]{27}$/);
  });

  it('changes with the bucket, key, ETag and offset', () => {
    const ids = new Set([
      fallbackRecordId(location),
      fallbackRecordId({ ...location, bucket: 'other' }),
      fallbackRecordId({ ...location, key: `${location.key}.gz` }),
      fallbackRecordId({ ...location, eTag: 'v2' }),
      fallbackRecordId({ ...location, offset: 707 }),
    ]);
    assert.equal(ids.size, 5);
  });

  it('does not confuse parts that only differ in where one ends and the next begins', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (a, b, c, d) => {
        fc.pre(a !== c || b !== d);
        assert.notEqual(
          fallbackRecordId({ bucket: a, key: b, eTag: '', offset: 0 }),
          fallbackRecordId({ bucket: c, key: d, eTag: '', offset: 0 }),
        );
      }),
    );
    assert.notEqual(
      fallbackRecordId({ bucket: 'a/b', key: 'c', eTag: '', offset: 1 }),
      fallbackRecordId({ bucket: 'a', key: 'b/c', eTag: '', offset: 1 }),
    );
  });
});
