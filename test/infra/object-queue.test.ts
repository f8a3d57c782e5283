import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { configWith, synthesize } from './synth';

describe('the object queue', () => {
  const { template } = synthesize(configWith({ forwarder: { timeoutSeconds: 120, maxReceiveCount: 7 } }));
  const queues = template.findResources('AWS::SQS::Queue');
  const found = Object.entries(queues).find(([, queue]) => queue.Properties.RedrivePolicy);
  assert.ok(found, 'a queue with a redrive policy');
  const [mainId, main] = found;
  const dlqId: string = main.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];

  it('sends a message to its DLQ after the configured receives', () => {
    assert.ok(mainId && dlqId);
    assert.equal(main.Properties.RedrivePolicy.maxReceiveCount, 7);
  });

  it('keeps failed messages in the DLQ for 14 days, longer than the queue keeps them', () => {
    assert.equal(queues[dlqId].Properties.MessageRetentionPeriod, 14 * 24 * 3600);
    assert.ok(main.Properties.MessageRetentionPeriod < queues[dlqId].Properties.MessageRetentionPeriod);
  });

  it('hides a message for six times the forwarder timeout', () => {
    assert.equal(main.Properties.VisibilityTimeout, 6 * 120);
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    for (const id of [mainId, dlqId]) {
      assert.equal(queues[id].Properties.SqsManagedSseEnabled, true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('is exported for the CLI', () => {
    template.hasOutput('ObjectQueueUrl', { Value: { Ref: mainId } });
    template.hasOutput('ObjectDeadLetterQueueUrl', { Value: { Ref: dlqId } });
    template.hasOutput('BucketName', {});
  });
});

describe('the object queue of a forwarder with a batching window', () => {
  const { template } = synthesize(
    configWith({ forwarder: { timeoutSeconds: 30, batchSize: 100, maxBatchingWindowSeconds: 300 } }),
  );
  const [main] = Object.values(template.findResources('AWS::SQS::Queue')).filter(
    (queue) => queue.Properties.RedrivePolicy,
  );

  it('hides a message for six times the forwarder timeout plus the window (AWS: the poller holds it through the window)', () => {
    // 6 × 30 s alone (180 s) is shorter than the 300 s window: messages would be received again, and
    // count receives towards the DLQ, while the poller still gathers the batch they are in.
    assert.equal(main.Properties.VisibilityTimeout, 6 * 30 + 300);
  });
});
