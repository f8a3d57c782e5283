import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fallbackRecordId, recordOwnId } from '../../../lambda/core/records/id';

describe('recordOwnId', () => {
  it('takes a string or finite number id from the named field', () => {
    assert.equal(recordOwnId({ id: 'at-33faa6fb65df876a' }, 'id'), 'at-33faa6fb65df876a');
    assert.equal(recordOwnId({ uuid: 'x' }, 'uuid'), 'x');
    assert.equal(recordOwnId({ seq: 42 }, 'seq'), '42');
    assert.equal(recordOwnId({ seq: 1.5 }, 'seq'), '1.5');
  });

  it('gives nothing when no field is configured or the field is absent', () => {
    assert.equal(recordOwnId({ id: 'a' }, undefined), undefined);
    assert.equal(recordOwnId({ other: 'a' }, 'id'), undefined);
    assert.equal(recordOwnId({}, 'toString'), undefined, 'inherited properties are not fields');
  });

  it('refuses empty ids, ids over 200 bytes (counted in UTF-8), and values that are not ids', () => {
    assert.equal(recordOwnId({ id: '' }, 'id'), undefined);
    assert.equal(recordOwnId({ id: 'x'.repeat(200) }, 'id'), 'x'.repeat(200));
    assert.equal(recordOwnId({ id: 'x'.repeat(201) }, 'id'), undefined);
    assert.equal(recordOwnId({ id: 'é'.repeat(100) }, 'id'), 'é'.repeat(100));
    assert.equal(recordOwnId({ id: 'é'.repeat(101) }, 'id'), undefined);
    for (const id of [null, true, { v: 1 }, ['a'], Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(recordOwnId({ id }, 'id'), undefined, `${JSON.stringify(id)} is not an id`);
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
