import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegisteredMembers } from '../../../lambda/core/detections/registered-members';
import type { Contribution } from '../../../lambda/core/detections/windows/store';

function member(id: string, timeMs: number): Contribution {
  return { ref: { id, bucket: 'b', key: 'k', offset: 0, eventTimeMs: timeMs } };
}

const ids = (members: readonly Contribution[]) => members.map((entry) => entry.ref.id);

describe('the members this process registered', () => {
  it('answers, in order, the stored records not registered with that alert', () => {
    const registered = new RegisteredMembers();
    registered.add('alert-1', [member('a', 1), member('b', 2), member('d', 4)]);
    const stored = [member('a', 1), member('c', 3), member('d', 4), member('e', 5)];
    assert.deepEqual(ids(registered.unknown('alert-1', stored)), ['c', 'e']);
    assert.deepEqual(ids(registered.unknown('alert-2', stored)), ['a', 'c', 'd', 'e'], 'another alert');
  });

  it('tells records apart by event time and id, as the stores do', () => {
    const registered = new RegisteredMembers();
    registered.add('alert', [member('a', 1), member('b', 1)]);
    assert.deepEqual(ids(registered.unknown('alert', [member('a', 1), member('c', 1), member('a', 2)])), [
      'c',
      'a',
    ]);
  });

  it('takes members out of order (late records, another batch’s) and once each', () => {
    const registered = new RegisteredMembers();
    registered.add('alert', [member('m', 10), member('n', 20)]);
    registered.add('alert', [member('a', 1), member('m', 10), member('p', 15)]);
    registered.add('alert', [member('z', 30), member('z', 30)]);
    const all = ['a', 'm', 'p', 'n', 'z'].map((id, i) => member(id, [1, 10, 15, 20, 30][i]));
    assert.deepEqual(ids(registered.unknown('alert', all)), []);
    assert.deepEqual(ids(registered.unknown('alert', [member('b', 2), member('q', 16)])), ['b', 'q']);
  });

  it('forgets the earliest members of an alert past its bound, so they are registered again', () => {
    const registered = new RegisteredMembers(8, 4);
    registered.add(
      'alert',
      [1, 2, 3, 4].map((t) => member(`r${t}`, t)),
    );
    assert.deepEqual(ids(registered.unknown('alert', [member('r1', 1)])), []);
    registered.add('alert', [member('r5', 5)]);
    // Past 4, it keeps the latest 2.
    const all = [1, 2, 3, 4, 5].map((t) => member(`r${t}`, t));
    assert.deepEqual(ids(registered.unknown('alert', all)), ['r1', 'r2', 'r3']);
  });

  it('forgets the alert registered least recently past its bound', () => {
    const registered = new RegisteredMembers(2, 100);
    const records = [member('r', 1)];
    registered.add('first', records);
    registered.add('second', records);
    registered.add('first', records); // used again: now the most recent
    registered.add('third', records);
    assert.deepEqual(ids(registered.unknown('second', records)), ['r'], 'forgotten');
    assert.deepEqual(ids(registered.unknown('first', records)), []);
    assert.deepEqual(ids(registered.unknown('third', records)), []);
  });
});
