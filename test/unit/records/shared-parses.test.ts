import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventFactory } from '../../../lambda/core/records/event-factory';
import { SharedParses } from '../../../lambda/core/records/shared-parses';

describe('objects and arrays of scanned fields, parsed once per distinct text', () => {
  it('gives the value JSON.parse gives, the same one for the same text, frozen all the way down', () => {
    const parses = new SharedParses();
    const text = '{"env":"prod","team":["a",{"b":1}]}';
    const value = parses.parse(text) as { team: [string, { b: number }] };
    assert.deepStrictEqual(value, JSON.parse(text));
    assert.equal(parses.parse(text), value);
    assert.ok(Object.isFrozen(value) && Object.isFrozen(value.team) && Object.isFrozen(value.team[1]));
    assert.throws(() => {
      value.team[1].b = 2;
    }, TypeError);
  });

  it('keeps at most its capacity of texts, starting again when full', () => {
    const parses = new SharedParses(2);
    const first = parses.parse('[1]');
    parses.parse('[2]');
    parses.parse('[3]');
    assert.notEqual(parses.parse('[1]'), first, 'forgotten when the cache started again');
    assert.deepStrictEqual(parses.parse('[1]'), [1]);
  });

  it("are shared between the records of one reader, and a record's scalars are not", () => {
    const factory = new EventFactory(1_000, 0, ['resourceTags', 'query']);
    const read = (text: string) => {
      const bytes = Buffer.from(text);
      const event = factory.fromBytes(bytes, 0, bytes.length, 0, true);
      assert.ok(event.kind === 'record' && event.field);
      return [event.field(0), event.field(1)];
    };
    const [tagsA, queryA] = read('{"resourceTags":{"env":"prod"},"query":"select 1"}');
    const [tagsB, queryB] = read('{"query":"select 2","resourceTags":{"env":"prod"}}');
    assert.equal(tagsA, tagsB);
    assert.deepStrictEqual([queryA, queryB], ['select 1', 'select 2']);
  });
});
