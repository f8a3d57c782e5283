import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFieldPath } from '../../../lambda/core/detections/sigma/field-path';

describe('the first value of a field (group-by, value_count)', () => {
  const plain = compileFieldPath('actor');
  const nested = compileFieldPath('resource.tags.env');

  it('is the scalar a plain key holds, null included', () => {
    assert.equal(plain.first({ actor: 'a-1' }), 'a-1');
    assert.equal(plain.first({ actor: 7 }), 7);
    assert.equal(plain.first({ actor: false }), false);
    assert.equal(plain.first({ actor: null }), null);
  });

  it('is the first scalar of a list, and nothing for a map or an absent key', () => {
    assert.equal(plain.first({ actor: [{ id: 1 }, 'second', 'third'] }), 'second');
    assert.equal(plain.first({ actor: { id: 1 } }), undefined);
    assert.equal(plain.first({ other: 1 }), undefined);
  });

  it('never reads what a record inherits', () => {
    assert.equal(compileFieldPath('toString').first({}), undefined);
    assert.equal(compileFieldPath('constructor').first({ a: 1 }), undefined);
  });

  it('follows nested paths and dotted keys', () => {
    assert.equal(nested.first({ resource: { tags: { env: 'prod' } } }), 'prod');
    assert.equal(nested.first({ 'resource.tags': { env: 'dev' } }), 'dev');
    assert.equal(nested.first({ resource: [{ tags: { env: 'a' } }, { tags: { env: 'b' } }] }), 'a');
  });
});
