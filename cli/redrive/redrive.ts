import {
  DeleteMessageBatchCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sendEachOnce } from '../../lambda/adapters/sqs-send-each';
import { SluiceError } from '../../lambda/core/errors';
import { queueAttributes, queueDepth } from '../aws/queues';
import { RateLimiter } from '../shared/rate-limiter';

export interface RedriveRequest {
  readonly deadLetterQueueUrl: string;
  readonly targetQueueUrl: string;
  /** Move at most this many (forces the receive/send/delete path: the move task has no count). */
  readonly max?: number;
  /** Messages per second. */
  readonly rate?: number;
  readonly dryRun?: boolean;
  /** `auto` tries the native move task first. Default: auto. */
  readonly method?: 'auto' | 'native' | 'manual';
  /** Receive visibility of messages being moved by hand; long enough to send and delete them. Default: 60 s. */
  readonly visibilityTimeoutSeconds?: number;
  /** Give up waiting for a native task after this long (it keeps running in SQS). Default: 15 min. */
  readonly waitTimeoutMs?: number;
  readonly onProgress?: (moved: number, total: number | undefined) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Asked before each receive (and each look at a move task): true ends the redrive (Ctrl-C). The
   * messages already received are sent and deleted first: a message taken from the DLQ is never left
   * half-moved by a graceful stop. A move task keeps running in SQS: only the waiting ends.
   */
  readonly shouldStop?: () => boolean;
}

export interface RedriveReport {
  readonly method: 'native' | 'manual' | 'none';
  readonly dryRun: boolean;
  /** In the DLQ before (visible + in flight). */
  readonly before: number;
  readonly moved: number;
  /** Still in the DLQ afterwards (visible + in flight), or what would stay on a dry run. */
  readonly left: number;
  /** Received but not sent (they return to the DLQ after their visibility timeout). */
  readonly sendFailures: number;
  /** Sent, but still in the DLQ because the delete failed (a later redrive sends them again). */
  readonly deleteFailures: number;
  /** Why the native task was not used, when it was tried. */
  readonly fallbackReason?: string;
  readonly taskHandle?: string;
  readonly status?: string;
  /** Set when `shouldStop` ended it before the DLQ was done (or before the move task finished). */
  readonly stoppedBy?: 'signal';
}

/** Errors that say "this endpoint has no message move task", not "you may not". */
const UNSUPPORTED_NAMES = new Set([
  'UnsupportedOperation',
  'AWS.SimpleQueueService.UnsupportedOperation',
  'InvalidAction',
  'UnknownOperationException',
  'NotImplemented',
]);

/**
 * Whether to fall back to receive/send/delete: the endpoint does not know the operation (moto answers
 * with an HTML 500 page the SDK cannot parse; others 400 InvalidAction, 404 or 501).
 */
export function isMoveTaskUnsupported(error: unknown): boolean {
  const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (failure.name && UNSUPPORTED_NAMES.has(failure.name)) return true;
  const status = failure.$metadata?.httpStatusCode;
  if (status === 404 || status === 501) return true;
  const unparsable = failure.name === 'SyntaxError' || /Deserialization error/i.test(failure.message ?? '');
  return unparsable && (status === undefined || status >= 400);
}

/** The report's note when the move task turned out unsupported: what the endpoint did, in SQS terms. */
export function moveTaskFallbackReason(error: unknown): string {
  const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = failure.$metadata?.httpStatusCode;
  const http = status === undefined ? undefined : `HTTP ${status}`;
  const unparsable = failure.name === 'SyntaxError' || /Deserialization error/i.test(failure.message ?? '');
  const answer =
    failure.name && UNSUPPORTED_NAMES.has(failure.name)
      ? [failure.name, http].filter(Boolean).join(', ')
      : unparsable
        ? `${http ?? 'something'} with a body that is not an SQS response`
        : (http ?? 'an error');
  return `the endpoint does not implement StartMessageMoveTask (it answered ${answer}); falling back to receive → send → delete`;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Moves DLQ messages back to their source queue, natively when SQS can, else by hand. */
export async function redrive(sqs: SQSClient, request: RedriveRequest): Promise<RedriveReport> {
  const depth = await queueDepth(sqs, request.deadLetterQueueUrl);
  const before = depth.visible + depth.inFlight;
  const wouldMove = Math.min(depth.visible, request.max ?? Number.POSITIVE_INFINITY);
  const method = request.method ?? 'auto';
  if (request.dryRun) {
    return {
      method: method === 'manual' || request.max !== undefined ? 'manual' : 'native',
      dryRun: true,
      before,
      moved: wouldMove,
      left: before - wouldMove,
      sendFailures: 0,
      deleteFailures: 0,
    };
  }
  // Nothing moved: an empty DLQ, or a Ctrl-C while it was being counted (no move task is started
  // that the operator did not wait for).
  const stopped = depth.visible > 0 && request.shouldStop?.();
  if (depth.visible === 0 || stopped)
    return {
      method: 'none',
      dryRun: false,
      before,
      moved: 0,
      left: before,
      sendFailures: 0,
      deleteFailures: 0,
      ...(stopped ? { stoppedBy: 'signal' as const } : {}),
    };
  let fallbackReason: string | undefined;
  if (method !== 'manual' && request.max === undefined) {
    try {
      return await nativeMove(sqs, request, before);
    } catch (error) {
      if (method === 'native' || !isMoveTaskUnsupported(error)) throw error;
      fallbackReason = moveTaskFallbackReason(error);
    }
  } else if (request.max !== undefined) {
    fallbackReason = '--max moves a counted number of messages, which the native move task cannot';
  }
  // Never more than was waiting at the start: with the cause still there, moved messages can fail back
  // into the DLQ while this runs, and must not be cycled forever.
  const manual = await manualMove(sqs, {
    ...request,
    max: Math.min(request.max ?? depth.visible, depth.visible),
  });
  const after = await queueDepth(sqs, request.deadLetterQueueUrl);
  return {
    method: 'manual',
    dryRun: false,
    before,
    moved: manual.moved,
    left: after.visible + after.inFlight,
    sendFailures: manual.sendFailures,
    deleteFailures: manual.deleteFailures,
    fallbackReason,
    ...(manual.stopped ? { stoppedBy: 'signal' as const } : {}),
  };
}

async function nativeMove(sqs: SQSClient, request: RedriveRequest, before: number): Promise<RedriveReport> {
  const [source, target] = await Promise.all([
    queueAttributes(sqs, request.deadLetterQueueUrl),
    queueAttributes(sqs, request.targetQueueUrl),
  ]);
  const started = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: source.arn,
      DestinationArn: target.arn,
      MaxNumberOfMessagesPerSecond:
        request.rate === undefined ? undefined : Math.max(1, Math.min(500, Math.floor(request.rate))),
    }),
  );
  const sleep = request.sleep ?? sleepFor;
  const giveUpAt = Date.now() + (request.waitTimeoutMs ?? 15 * 60_000);
  let status = 'RUNNING';
  let moved = 0;
  let stopped = false;
  while (Date.now() < giveUpAt) {
    if (request.shouldStop?.()) {
      stopped = true;
      break;
    }
    const listed = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: source.arn, MaxResults: 10 }));
    const task =
      listed.Results?.find((result) => result.TaskHandle === started.TaskHandle) ?? listed.Results?.[0];
    status = task?.Status ?? 'UNKNOWN';
    moved = Number(task?.ApproximateNumberOfMessagesMoved ?? moved);
    request.onProgress?.(moved, task?.ApproximateNumberOfMessagesToMove ?? before);
    if (status === 'FAILED') {
      throw new SluiceError(
        'REDRIVE_FAILED',
        `the message move task failed: ${task?.FailureReason ?? 'no reason given'}`,
        {
          taskHandle: started.TaskHandle,
        },
      );
    }
    if (status !== 'RUNNING' && status !== 'CANCELLING') break;
    await sleep(2_000);
  }
  const after = await queueDepth(sqs, request.deadLetterQueueUrl);
  return {
    method: 'native',
    dryRun: false,
    before,
    moved,
    left: after.visible + after.inFlight,
    sendFailures: 0,
    deleteFailures: 0,
    taskHandle: started.TaskHandle,
    status,
    ...(stopped ? { stoppedBy: 'signal' as const } : {}),
  };
}

function copyAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
  const attributes = message.MessageAttributes;
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue },
    ]),
  );
}

/**
 * Receive → send → delete, ten at a time: a message is deleted from the DLQ only once its copy was
 * accepted by the source queue (at least once: never lost, at worst sent twice if a delete fails).
 * Message attributes (the ingest queue's `logType`) travel with the body.
 */
async function manualMove(
  sqs: SQSClient,
  request: RedriveRequest,
): Promise<{ moved: number; sendFailures: number; deleteFailures: number; stopped: boolean }> {
  const limiter = new RateLimiter(request.rate);
  const max = request.max ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  let sendFailures = 0;
  let deleteFailures = 0;
  let emptyReceives = 0;
  let stopped = false;
  // Bounded: every round either moves something, fails to send (counted), or is one of two empty receives.
  while (moved < max && emptyReceives < 2) {
    // Only here, between rounds: once received, a batch is sent and deleted whatever comes.
    if (request.shouldStop?.()) {
      stopped = true;
      break;
    }
    const wanted = Math.min(10, max - moved);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: request.deadLetterQueueUrl,
        MaxNumberOfMessages: wanted,
        VisibilityTimeout: request.visibilityTimeoutSeconds ?? 60,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      emptyReceives += 1;
      continue;
    }
    emptyReceives = 0;
    await limiter.take(messages.length);
    const { taken: accepted } = await sendEachOnce(
      sqs,
      request.targetQueueUrl,
      messages.map((message) => ({ body: message.Body ?? '', attributes: copyAttributes(message) })),
    );
    sendFailures += messages.length - accepted.size;
    const toDelete = messages.filter((_, index) => accepted.has(index));
    if (toDelete.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: request.deadLetterQueueUrl,
          Entries: toDelete.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
      // A copy that was sent counts as moved even if its delete failed: it stays in the DLQ and may be
      // moved again later (a duplicate, never a loss).
      deleteFailures += deleted.Failed?.length ?? 0;
    }
    moved += toDelete.length;
    request.onProgress?.(moved, Number.isFinite(max) ? max : undefined);
    if (accepted.size === 0) break;
  }
  return { moved, sendFailures, deleteFailures, stopped };
}
