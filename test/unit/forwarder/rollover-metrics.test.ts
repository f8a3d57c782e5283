import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForwarderMetrics } from '../../../lambda/forwarder/metrics';
import { emfOf } from '../../support/emf';

describe("the rollover lookup's metrics", () => {
  it('copies made across an unseen rollover are published as RolloverDuplicates, on their own too', () => {
    const metrics = new ForwarderMetrics();
    metrics.rolloverLookup('elastic', { checked: 0, found: 0, unchecked: 0, duplicates: 3 });
    const lines = emfOf(() => metrics.publish());
    const destination = lines.find((line) => line.destination === 'elastic');
    assert.ok(destination, JSON.stringify(lines));
    assert.equal(destination.RolloverDuplicates, 3);
    assert.equal(destination.RolloverLookups, 0);
  });

  it('a destination without lookups publishes none of them', () => {
    const metrics = new ForwarderMetrics();
    metrics.request('splunk', { status: 200, bytes: 10, durationMs: 5 });
    const destination = emfOf(() => metrics.publish()).find((line) => line.destination === 'splunk');
    assert.ok(destination);
    assert.equal('RolloverDuplicates' in destination, false);
  });
});
