import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { lambdaContext, toSqsEvent } from '../../../cli/worker/sqs-event';
import { parseMessage } from '../../../lambda/core/notifications/parse-message';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type HecReceiver,
} from '../../support/receivers';
import { HEC_TOKEN, splunkAndElastic, startPipeline, type Pipeline } from '../../support/pipeline';

const KEY = 'sdm/logs/activities/2024/02/01/18/50/ack.json';

const activity = (index: number) => ({
  id: `at-${index}`,
  logType: 'activities',
  timestamp: '2024-02-01T18:50:00.000Z',
});

/**
 * A message whose work went on in a continuation is deleted at once (the early acknowledgement). That
 * delete can fail (network, an expired receipt handle); the continuation is out by then, so failing
 * the message would bring it back beside its continuation: two chains delivering the same records.
 */
describe('the early acknowledgement of a message handed to a continuation (moto)', () => {
  let pipeline: Pipeline;
  let hec: HecReceiver;
  let bulk: BulkReceiver;

  before(async () => {
    pipeline = await startPipeline();
    hec = await startHecReceiver({ token: HEC_TOKEN });
    // Elasticsearch refuses the key: Splunk finishes, Elasticsearch fails, so the object continues.
    bulk = await startBulkReceiver({ auth: { apiKey: 'rotated-elsewhere' } });
  });
  after(async () => {
    await Promise.all([hec.close(), bulk.close()]);
    await pipeline.stop();
  });

  it('reports the message as done when its delete fails: Lambda deletes it, and only the continuation goes on', async () => {
    const handler = pipeline.handlerFor(splunkAndElastic(pipeline, { hec: hec.url, bulk: bulk.url }));
    // Without the s3:TestEvent the notification configuration sent.
    await pipeline.purge();
    await pipeline.putObject(KEY, [0, 1, 2].map((index) => JSON.stringify(activity(index))).join('\n'));
    const received = await pipeline.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipeline.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const [notification] = received.Messages ?? [];
    assert.ok(notification, 'the notification reached the queue');
    // A receipt handle SQS no longer takes: the forwarder's own delete of the message fails.
    const { Records } = toSqsEvent(
      [{ ...notification, ReceiptHandle: 'expired-receipt-handle' }],
      'arn:aws:sqs:us-east-1:123456789012:objects',
      'us-east-1',
    );
    const result = await handler({ Records }, lambdaContext(10_000));

    assert.equal(hec.events.length, 3, 'Splunk took every record');
    assert.deepEqual(
      result.batchItemFailures,
      [],
      'the message is not failed: it is not retried from scratch',
    );
    const next = await pipeline.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const continuations = (next.Messages ?? []).filter(
      (message) => message.MessageId !== notification.MessageId,
    );
    assert.equal(continuations.length, 1, 'the continuation carries the rest');
    const parsed = parseMessage(continuations[0].Body!);
    assert.deepEqual(parsed.kind === 'objects' && parsed.work[0].progress, { splunk: 'done', elastic: 0 });
    // What Lambda does with a message its handler did not fail.
    await pipeline.sqs.send(
      new DeleteMessageCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: notification.ReceiptHandle! }),
    );
  });
});
