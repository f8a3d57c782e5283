import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { vendorObjects } from '../../../bench/data/objects';
import { toSqsEvent } from '../../../cli/worker/sqs-event';
import { describeLedger } from './support/ledger';
import { startScenario, type Scenario } from './support/scenario';
import { drainWithWorkers, lambdaContext, messageCount } from './support/workers';

const SEED = 6007;
const OBJECTS = 10;
const RECORDS_PER_OBJECT = 250;
const TUNING = { maxBatchRecords: 50, maxConcurrency: 4 };

/**
 * A batch of ten objects against slow destinations (every answer takes a second) with four requests
 * in flight per destination and a 3 s invocation: far more work than the budget allows. Objects the
 * invocation has no time for must come back without losing a receive; only an object a destination
 * took part in may fail its message.
 */
describe('fault injection: ten objects and a budget too tight for all of them', () => {
  let scenario: Scenario;

  before(async () => {
    scenario = await startScenario({
      seed: SEED,
      maxReceiveCount: 3,
      hecFaults: { delayMs: 1_000 },
      esFaults: { delayMs: 1_000 },
    });
  });
  after(async () => scenario.stop());

  it('fails only objects that got a request out, hands the others back, then delivers everything once', async (t) => {
    const { pipeline, hecProxy, esProxy } = scenario;
    const objects = vendorObjects({
      seed: SEED,
      objects: OBJECTS,
      recordsPerObject: RECORDS_PER_OBJECT,
      format: 'ndjson',
      gzip: false,
    });
    await scenario.put(objects);
    const received = await receive(pipeline.sqs, pipeline.queueUrl, OBJECTS, isNotification);
    const notifications = received.filter(isNotification);
    // The s3:TestEvent moto sends when notifications are configured names no object: the drain takes it.
    const others = received.filter((message) => !isNotification(message));
    // Notifications carry keys URL-encoded, `+` for a space.
    const keyOf = (message: Message) =>
      decodeURIComponent(
        (
          JSON.parse(message.Body!) as { Records: { s3: { object: { key: string } } }[] }
        ).Records[0].s3.object.key.replace(/\+/g, ' '),
      );

    // One invocation over the ten notifications, as Lambda's event source mapping makes it.
    const [handler] = scenario.handlers(1, TUNING);
    const queueArn = await arnOf(pipeline.sqs, pipeline.queueUrl);
    const response = await handler(toSqsEvent(notifications, queueArn, 'us-east-1'), lambdaContext(3_000));
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const requested = new Set(
      [...hecProxy.forwardedMarkers, ...esProxy.forwardedMarkers].map(
        (marker) => scenario.sent.get(marker)!.key,
      ),
    );
    const queued = await receive(pipeline.sqs, pipeline.queueUrl, 0);
    const continuations = queued
      .map((message) => JSON.parse(message.Body!) as { key: string; reason: string; progress: object })
      .filter((body) => body.key !== undefined);
    t.diagnostic(
      `objects ${OBJECTS}: ${requested.size} got a request out, ${failed.size} failed, ${continuations.length} continued or handed back (${continuations.map((body) => body.reason).join(', ')})`,
    );

    for (const message of notifications) {
      const key = keyOf(message);
      if (failed.has(message.MessageId!)) assert.ok(requested.has(key), `${key} failed without any request`);
      if (requested.has(key)) continue;
      assert.ok(!failed.has(message.MessageId!), `${key}: untouched, its message does not fail`);
      const handedBack = continuations.find((body) => body.key === key);
      assert.ok(handedBack, `${key} is handed back in a new message`);
      assert.equal(handedBack.reason, 'deadline');
      assert.ok(
        Object.values(handedBack.progress).every((position) => position === 0),
        `${key} is handed back untouched`,
      );
    }
    assert.ok(requested.size < OBJECTS, 'the budget is too tight for every object');

    // Lambda deletes what succeeded and releases what failed; later invocations finish the work.
    const release = (message: Message) =>
      pipeline.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: pipeline.queueUrl,
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
    for (const message of notifications) {
      if (failed.has(message.MessageId!)) await release(message);
      else
        await pipeline.sqs.send(
          new DeleteMessageCommand({ QueueUrl: pipeline.queueUrl, ReceiptHandle: message.ReceiptHandle! }),
        );
    }
    for (const message of [...others, ...queued]) await release(message);
    await drainWithWorkers(pipeline.sqs, pipeline.queueUrl, {
      handlers: scenario.handlers(2, TUNING),
      remainingMs: 30_000,
      timeoutMs: 300_000,
    });
    const ledger = await scenario.ledger();
    t.diagnostic(describeLedger(ledger));
    assert.equal(ledger.sent, OBJECTS * RECORDS_PER_OBJECT);
    assert.equal(ledger.splunk.lost, 0);
    assert.equal(ledger.elastic.lost, 0);
    assert.equal(ledger.elastic.duplicates, 0, 'Elasticsearch holds each record once');
    for (const [marker, copies] of ledger.splunk.duplicateMarkers) {
      assert.ok(copies - 1 <= (hecProxy.lostMarkers.get(marker) ?? 0), `${marker}: ${copies} copies`);
    }
    assert.equal(await messageCount(pipeline.sqs, pipeline.deadLetterQueueUrl), 0);
  });
});

/**
 * Receives until `count` messages arrived (0: until the queue has nothing visible), each kept
 * invisible for 10 minutes. Bounded by a generous ceiling, never by a short clock.
 */
async function receive(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  counts: (message: Message) => boolean = () => true,
): Promise<Message[]> {
  const messages: Message[] = [];
  const giveUpAt = Date.now() + 120_000;
  while (Date.now() < giveUpAt) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: count > 0 ? 1 : 0,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
    if (count === 0 ? Messages.length === 0 : messages.filter(counts).length >= count) return messages;
  }
  throw new Error(`received ${messages.length} of ${count} messages`);
}

const isNotification = (message: Message) => message.Body?.includes('"Records"') === true;

async function arnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes!.QueueArn!;
}
