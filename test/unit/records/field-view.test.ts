import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventFactory } from '../../../lambda/core/records/event-factory';
import { fieldViewOf, hasField } from '../../../lambda/core/records/field-view';
import type { RecordEvent } from '../../../lambda/core/records/read-event';

const FIELDS = ['query', 'resourceTags', 'nothing', 'empty', '__proto__'];

/** A record read for FIELDS, with the fields asked of it (each named once). */
function scanned(record: string): { event: RecordEvent; decoded: string[] } {
  const bytes = Buffer.from(record);
  const event = new EventFactory(bytes.length, 0, FIELDS).fromBytes(bytes, 0, bytes.length, 0, true);
  assert.ok(event.kind === 'record' && event.field, 'read for its fields');
  const decoded: string[] = [];
  const decode = event.field.bind(event);
  (event as { field: (index: number) => unknown }).field = (index) => {
    if (!decoded.includes(FIELDS[index])) decoded.push(FIELDS[index]);
    return decode(index);
  };
  return { event, decoded };
}

const RECORD =
  '{"query":"DROP TABLE users","resourceTags":{"env":"prod","team":["a","b"]},"empty":null,"other":1}';

describe("a scanned record's field view", () => {
  it('has the values JSON.parse gives, decoding only the fields that are read, each once', () => {
    const { event, decoded } = scanned(RECORD);
    const view = fieldViewOf(event);
    assert.deepEqual(decoded, [], 'nothing decoded before a read');
    assert.deepStrictEqual(view.resourceTags, { env: 'prod', team: ['a', 'b'] });
    assert.equal(view.resourceTags, view.resourceTags, 'decoded once, then the same value');
    assert.deepEqual(decoded, ['resourceTags']);
    assert.equal(view.query, 'DROP TABLE users');
    assert.equal(view.empty, null);
    assert.equal(view.nothing, undefined);
    assert.deepEqual(decoded, ['resourceTags', 'query', 'empty', 'nothing']);
  });

  it('tells which fields the record has without decoding them, null included', () => {
    const { event, decoded } = scanned(RECORD);
    const view = fieldViewOf(event);
    assert.equal(hasField(view, 'query'), true);
    assert.equal(hasField(view, 'empty'), true, 'a null value is present (Sigma exists)');
    assert.equal(hasField(view, 'nothing'), false, 'scanned for, absent');
    assert.equal(hasField(view, 'other'), false, 'not scanned for: the rules never read it');
    assert.equal(hasField(view, 'toString'), false, 'inherited, not a field');
    assert.equal(hasField(view, '__proto__'), false, 'never a field');
    assert.deepEqual(decoded, []);
  });

  it("is of one class per list of names, whichever object's reader read the record", () => {
    const viewOf = (names: string[]) => {
      const bytes = Buffer.from(RECORD);
      const event = new EventFactory(bytes.length, 0, names).fromBytes(bytes, 0, bytes.length, 0, true);
      assert.ok(event.kind === 'record');
      return fieldViewOf(event);
    };
    const [first, second] = [viewOf([...FIELDS]), viewOf([...FIELDS])];
    assert.equal(Object.getPrototypeOf(first), Object.getPrototypeOf(second));
    assert.notEqual(Object.getPrototypeOf(viewOf(['query'])), Object.getPrototypeOf(first));
    assert.equal(viewOf(['query']).query, 'DROP TABLE users');
  });

  it('answers for plain objects as hasOwnProperty does', () => {
    const value = JSON.parse(RECORD) as Record<string, unknown>;
    assert.equal(hasField(value, 'query'), true);
    assert.equal(hasField(value, 'empty'), true);
    assert.equal(hasField(value, 'nothing'), false);
    assert.equal(hasField(value, 'toString'), false);
  });
});
