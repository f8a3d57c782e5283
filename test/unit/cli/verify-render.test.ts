import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from '../../../cli/commands/verify';
import type { VerifyChecks, VerifyReport } from '../../../cli/verify/verify';

const report = (checks: VerifyChecks): VerifyReport => ({
  dryRun: false,
  passed: false,
  testObject: 'sdm/logs/test',
  canary: { key: 'sdm/logs/sluice-canary/x.json', recordId: 'sluice-canary-x' },
  checks,
  waitedSeconds: 300,
  deadLetters: { before: 0, after: 0 },
});

describe("sluice verify's verdict", () => {
  const onlyMetrics = report({ queueDrained: 'pass', deadLetterQueueFlat: 'pass', metricsMoved: 'fail' });

  it('on a local endpoint, says the metric is all that is missing and to pass --no-metrics', () => {
    const last = render(onlyMetrics, 'http://127.0.0.1:5000').split('\n').at(-1);
    assert.match(
      last ?? '',
      /^NOT verified after 300s: the object queue drained and the DLQ did not grow, but/,
    );
    assert.match(last ?? '', /http:\/\/127\.0\.0\.1:5000 is not AWS.*Fix: pass --no-metrics$/);
    assert.doesNotMatch(last ?? '', /read the forwarder's logs/);
  });

  it('on AWS, names sluice run and --no-metrics before the logs', () => {
    assert.match(
      render(onlyMetrics),
      /self-hosted sluice run, it publishes none: pass --no-metrics; else read the forwarder's logs$/,
    );
  });

  it('sends the operator to the logs when the canary did not go through', () => {
    const stuck = report({ queueDrained: 'fail', deadLetterQueueFlat: 'pass', metricsMoved: 'fail' });
    assert.match(
      render(stuck, 'http://127.0.0.1:5000'),
      /NOT verified after 300s: read the forwarder's logs, then sluice status$/,
    );
  });
});
