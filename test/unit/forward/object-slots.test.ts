import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invocationSchedule } from '../../../lambda/core/forward/object-slots';
import { objectsStartedAtOnce } from './fakes';

const destinations = [
  { sink: { name: 'splunk' }, maxInFlight: 4 },
  { sink: { name: 'elastic' }, maxInFlight: 6 },
];

describe('the objects of one invocation', () => {
  it('start at most as many at once as the most constrained destination has requests in flight', async () => {
    let clock = 0;
    const { objectSlots } = invocationSchedule({
      destinations,
      now: () => clock,
      stopReadingAt: 700,
      deliveryDeadline: 900,
    });
    const started: number[] = [];
    const turns = Array.from({ length: 6 }, (_, index) =>
      objectSlots.acquire().then((start) => start && started.push(index)),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2, 3]);
    // Each owns an equal share of every destination's requests.
    assert.equal(objectSlots.share(4), 1);
    assert.equal(objectSlots.share(6), 1);

    objectSlots.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2, 3, 4], 'the next object in line takes the slot');

    // Reading has stopped: the last object is not started.
    clock = 700;
    objectSlots.release();
    await Promise.all(turns);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    objectSlots.release();
    objectSlots.release();
    assert.equal(objectSlots.share(6), 6, 'the last object running has every request');
  });

  it('start no object when no request could finish before the deadline', async () => {
    let clock = 0;
    const { latency, objectSlots } = invocationSchedule({
      destinations,
      now: () => clock,
      stopReadingAt: 7_000,
      deliveryDeadline: 9_000,
    });
    latency.observe('splunk', 2_000);
    latency.observe('elastic', 4_000);
    // A request now needs 3 s for splunk, 6 s for elastic.
    clock = 5_000;
    assert.equal(await objectSlots.acquire(), true, 'splunk can still finish by 9 s');
    objectSlots.release();
    clock = 6_000;
    assert.equal(await objectSlots.acquire(), false, 'neither can');
  });

  it('are not held back by destinations that do not pace objects (the detections stage, alert routes)', async () => {
    const { started, objectSlots } = await objectsStartedAtOnce(
      [
        ...destinations,
        { sink: { name: 'detections' }, maxInFlight: 2, pacesObjects: false },
        { sink: { name: 'pagerduty' }, maxInFlight: 1, pacesObjects: false },
      ],
      6,
    );
    assert.deepEqual(started, [0, 1, 2, 3], 'as many as splunk allows, as without them');
    assert.equal(objectSlots.share(1), 1, 'each running object still sends at least one request to a route');
  });

  it('are paced by every destination when none paces objects', async () => {
    const { started } = await objectsStartedAtOnce(
      [{ sink: { name: 'detections' }, maxInFlight: 2, pacesObjects: false }],
      4,
    );
    assert.deepEqual(started, [0, 1]);
  });
});
