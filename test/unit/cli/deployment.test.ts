import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentFromEnv } from '../../../cli/aws/deployment';

describe('a deployment named by the environment', () => {
  const base = {
    SLUICE_BUCKET: 'acme-audit-logs',
    SLUICE_OBJECT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/sluice-objects',
  };

  it("names the detection table and the alert topic as the forwarder's variables do", () => {
    const deployment = deploymentFromEnv(
      {
        ...base,
        SLUICE_DETECTIONS_TABLE: 'Sluice-DetectionsStateTable-1A2B3C',
        SLUICE_ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:Sluice-Alerts',
      },
      'sluice/quarantine',
    );
    assert.equal(deployment?.detectionsTable, 'Sluice-DetectionsStateTable-1A2B3C');
    assert.equal(deployment?.alertTopicArn, 'arn:aws:sns:eu-west-1:123456789012:Sluice-Alerts');
  });

  it('has neither without them (a deployment without detections)', () => {
    const deployment = deploymentFromEnv(base, 'sluice/quarantine');
    assert.equal(deployment?.detectionsTable, undefined);
    assert.equal(deployment?.alertTopicArn, undefined);
  });
});
