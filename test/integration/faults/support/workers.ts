import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { toSqsRecord } from '../../../../cli/worker/sqs-event';

/** A Lambda context whose clock runs down from `remainingMs`, as the real one does. */
export function lambdaContext(remainingMs: number): Context {
  const end = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'sluice-forwarder',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sluice-forwarder',
    memoryLimitInMB: '512',
    awsRequestId: `fault-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/sluice-forwarder',
    logStreamName: 'faults',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface WorkerStats {
  invocations: number;
  received: number;
  failed: number;
  /** Continuation messages the workers received (sluice's own "resume here" messages). */
  continuationsReceived: number;
  /** Keys of the objects those continuations resumed. */
  readonly resumedKeys: Set<string>;
}

export interface DrainOptions {
  /** One handler per worker: each has its own runtime (sockets, caches), like separate Lambda instances. */
  readonly handlers: readonly Handler[];
  /** Lambda time left at the start of each invocation. */
  readonly remainingMs: number;
  /** Give up (and fail the test) after this long. */
  readonly timeoutMs: number;
  /** Visibility timeout of each receive; failed messages are made visible again at once. */
  readonly visibilitySeconds?: number;
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export async function messageCount(sqs: SQSClient, queueUrl: string): Promise<number> {
  const depth = await queueDepth(sqs, queueUrl);
  return depth.visible + depth.inFlight;
}

/** What Lambda's event source does for one batch: receive, invoke, delete what succeeded, release the rest. */
export async function invokeOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: Handler,
  remainingMs: number,
): Promise<WorkerStats> {
  const stats = emptyStats();
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await pollOnce(
    sqs,
    queueUrl,
    Attributes!.QueueArn!,
    handler,
    { handlers: [handler], remainingMs, timeoutMs: 0 },
    stats,
  );
  return stats;
}

function emptyStats(): WorkerStats {
  return { invocations: 0, received: 0, failed: 0, continuationsReceived: 0, resumedKeys: new Set() };
}

/**
 * Runs the tasks given to it one after another, each once the one before has settled. moto's
 * ReceiveMessage checks that a message is visible and then marks it received without a lock, so two
 * receives overlapping in its server threads can both take the same message: two workers would then
 * forward the same object at once, and every record of it would arrive twice with no destination
 * fault to explain it. SQS hides a received message from every other poller for its visibility
 * timeout; the workers of a drain take turns to receive so that moto does too (they still handle
 * their batches at the same time).
 */
function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let previous: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = previous.then(task, task);
    previous = run.catch(() => undefined);
    return run;
  };
}

async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  queueArn: string,
  handler: Handler,
  options: DrainOptions,
  stats: WorkerStats,
  receiveTurn: <T>(task: () => Promise<T>) => Promise<T> = (task) => task(),
): Promise<number> {
  const { Messages = [] } = await receiveTurn(() =>
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: options.visibilitySeconds ?? 60,
        MessageSystemAttributeNames: ['All'],
      }),
    ),
  );
  if (Messages.length === 0) return 0;
  stats.invocations += 1;
  stats.received += Messages.length;
  for (const message of Messages) {
    if (!message.Body?.includes('sluice.continuation.v1')) continue;
    stats.continuationsReceived += 1;
    stats.resumedKeys.add((JSON.parse(message.Body) as { key: string }).key);
  }
  const records = Messages.map((message) => toSqsRecord(message, queueArn, 'us-east-1'));
  const result = await handler({ Records: records }, lambdaContext(options.remainingMs));
  const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
  stats.failed += failed.size;
  for (const message of Messages) {
    if (failed.has(message.MessageId!)) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
    } else {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  return Messages.length;
}

/**
 * Several workers poll the queue at once until it holds no message at all, visible or in flight
 * (messages of a crashed worker come back after their visibility timeout and are picked up then).
 * Bounded in time: throws when the queue is not empty after `timeoutMs`.
 */
export async function drainWithWorkers(
  sqs: SQSClient,
  queueUrl: string,
  options: DrainOptions,
): Promise<WorkerStats> {
  const stats = emptyStats();
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes!.QueueArn!;
  const giveUpAt = Date.now() + options.timeoutMs;
  const receiveTurn = oneAtATime();
  let busy = 0;
  const worker = async (handler: Handler) => {
    while (Date.now() < giveUpAt) {
      busy += 1;
      let got: number;
      try {
        got = await pollOnce(sqs, queueUrl, queueArn, handler, options, stats, receiveTurn);
      } finally {
        busy -= 1;
      }
      if (got > 0) continue;
      // Nothing visible: done when nothing is in flight either and no other worker is busy.
      if (busy === 0 && (await messageCount(sqs, queueUrl)) === 0 && busy === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  await Promise.all(options.handlers.map(worker));
  const left = await messageCount(sqs, queueUrl);
  if (left > 0) throw new Error(`queue still holds ${left} messages after ${options.timeoutMs} ms`);
  return stats;
}
