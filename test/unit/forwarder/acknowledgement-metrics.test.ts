import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForwarderMetrics } from '../../../lambda/forwarder/metrics';
import { emfOf } from '../../support/emf';

describe("Splunk HEC acknowledgement's metrics", () => {
  it('each `true` that confirmed nothing counts in AcknowledgementsDistrusted', () => {
    const metrics = new ForwarderMetrics();
    metrics.acknowledgementDistrusted('splunk');
    metrics.acknowledgementDistrusted('splunk');
    const destination = emfOf(() => metrics.publish()).find((line) => line.destination === 'splunk');
    assert.ok(destination);
    assert.equal(destination.AcknowledgementsDistrusted, 2);
  });

  it('a destination with none publishes no zero', () => {
    const metrics = new ForwarderMetrics();
    metrics.request('splunk', { status: 200, bytes: 10, durationMs: 5 });
    const destination = emfOf(() => metrics.publish()).find((line) => line.destination === 'splunk');
    assert.ok(destination);
    assert.equal('AcknowledgementsDistrusted' in destination, false);
  });
});
