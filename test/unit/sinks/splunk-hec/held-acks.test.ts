import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeldAcks } from '../../../../lambda/core/sinks/splunk-hec/held-acks';

describe('HeldAcks', () => {
  it('nothing in flight: nothing is held', () => {
    const held = new HeldAcks<string>();
    held.end(held.leave(), 'answered');
    assert.equal(held.hold(['a']), false);
    assert.equal(held.isHeld('a'), false);
  });

  it('the items of one answer are released together once every request in flight then has ended', () => {
    const held = new HeldAcks<string>();
    const first = held.leave();
    const second = held.leave();
    assert.equal(held.hold(['a', 'b']), true);
    // A request leaving afterwards cannot have been numbered before HEC answered.
    const later = held.leave();
    assert.deepEqual(held.end(first, 'answered'), { released: [], distrusted: [] });
    assert.deepEqual(held.end(second, 'answered'), { released: ['a', 'b'], distrusted: [] });
    assert.deepEqual(held.end(later, 'answered'), { released: [], distrusted: [] });
  });

  it('a request that ends without an answer distrusts what it held; ending it again changes nothing', () => {
    const held = new HeldAcks<string>();
    const request = held.leave();
    const other = held.leave();
    held.hold(['a']);
    assert.deepEqual(held.end(request, 'unanswered'), { released: [], distrusted: ['a'] });
    assert.deepEqual(held.end(request, 'answered'), { released: [], distrusted: [] });
    assert.deepEqual(held.end(other, 'answered'), { released: [], distrusted: [] });
    assert.equal(held.isHeld('a'), false);
  });

  it('a forgotten item (settled otherwise) is not released', () => {
    const held = new HeldAcks<string>();
    const request = held.leave();
    held.hold(['a', 'b']);
    held.forget('a');
    assert.deepEqual(held.end(request, 'answered'), { released: ['b'], distrusted: [] });
  });
});
