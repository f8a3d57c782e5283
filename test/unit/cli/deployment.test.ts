import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { deploymentFromEnv } from '../../../cli/aws/deployment';
import { CommandContext } from '../../../cli/context';
import type { CliIo } from '../../../cli/shared/io';
import { SluiceError } from '../../../lambda/core/errors';

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

describe('the bucket of a command that only reads the bucket (detect backtest)', () => {
  const context = (env: NodeJS.ProcessEnv) => {
    const io: CliIo = {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env,
      cwd: '/nonexistent',
      interactive: false,
      onStopSignal: () => () => undefined,
      exit: () => assert.fail('no exit'),
    };
    return new CommandContext(io, {});
  };

  it('is SLUICE_BUCKET alone: no queue URL is needed', async () => {
    assert.equal(await context({ SLUICE_BUCKET: 'acme-audit-logs' }).deploymentBucket(), 'acme-audit-logs');
  });

  it('still refuses a queue URL without the bucket', async () => {
    await assert.rejects(
      context({ SLUICE_OBJECT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' }).deploymentBucket(),
      (error: unknown) => error instanceof SluiceError && error.code === 'DEPLOYMENT_ENV_INCOMPLETE',
    );
  });
});
