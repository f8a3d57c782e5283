import type { SQSBatchItemFailure } from 'aws-lambda';
import type { LocalDestinationConfig } from '../../lambda/core/config/destinations';
import { errorCode, errorMessage, SluiceError } from '../../lambda/core/errors';
import {
  forwardObject,
  type ForwardDestination,
  type ForwardSource,
  type ForwardSummary,
} from '../../lambda/core/forward/forward-object';
import { invocationSchedule } from '../../lambda/core/forward/object-slots';
import type { DetectionFanout } from '../../lambda/core/detections/stage/detection-fanout';
import type { ObjectSource, QuarantineWriter } from '../../lambda/core/forward/ports';
import {
  processMessage,
  type ContinuationQueue,
  type ForwarderLog,
  type MessageDependencies,
  type SourceWithPrefix,
} from '../../lambda/core/forward/process-message';
import type { ObjectRef, ObjectWork } from '../../lambda/core/notifications/object-ref';
import type { RetryPolicy } from '../../lambda/core/retry/backoff';
import { createSink } from '../../lambda/core/sinks/create-sink';
import type { RequestSigner, SecretSource } from '../../lambda/core/sinks/types';
import { deadlinesFor } from '../../lambda/forwarder/deadlines';
import type { BatchHandler } from '../worker/sqs-event';
import { ForwardingStats, summaryOfPasses } from './stats';

export interface LocalForwarderOptions {
  readonly sources: readonly SourceWithPrefix[];
  readonly destinations: readonly LocalDestinationConfig[];
  readonly objects: ObjectSource;
  readonly quarantine: QuarantineWriter;
  readonly secret: (arn: string) => SecretSource;
  readonly signer?: (region: string, service: 'es' | 'aoss') => RequestSigner;
  readonly maxRecordBytes: number;
  readonly maxObjectBytes: number;
  /** Where continuation messages go (the object queue); required by `handler()`. */
  readonly continuations?: ContinuationQueue;
  readonly log: ForwarderLog;
  /** Time budget of one batch or one pass over an object, like a Lambda timeout. Default: 300 s. */
  readonly invocationTimeoutMs?: number;
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** The detections stage and alert routes, when the configuration has detections. Default: none. */
  readonly detections?: DetectionFanout;
}

export type DirectOutcome =
  | { readonly status: 'complete' }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed'; readonly code: string; readonly message: string };

/**
 * The forwarder's core outside Lambda, for `sluice run`, `sluice dev`, `sluice forward` and
 * `sluice replay --direct`: the same message handling, object reader, sinks and quarantine, with the
 * counts kept for the command's summary.
 */
export class LocalForwarder {
  readonly stats: ForwardingStats;
  private readonly destinations: readonly ForwardDestination[];
  private readonly timeoutMs: number;

  constructor(private readonly options: LocalForwarderOptions) {
    this.stats = new ForwardingStats(options.destinations.map((destination) => destination.name));
    this.timeoutMs = options.invocationTimeoutMs ?? 300_000;
    this.destinations = [
      ...options.destinations.map((destination) => ({
        sink: createSink(destination, {
          secret: options.secret,
          signer: options.signer,
          retryPolicy: options.retryPolicy,
        }),
        logTypes: destination.logTypes,
        maxInFlight: destination.maxConcurrency,
      })),
      ...(options.detections?.destinations ?? []),
    ];
  }

  private dependencies(startedAt: number): Omit<MessageDependencies, 'continuations' | 'onObject'> {
    const deadlines = deadlinesFor(startedAt, this.timeoutMs);
    return {
      sources: this.options.sources,
      destinations: this.destinations,
      detections: this.options.detections?.hook,
      objects: this.options.objects,
      quarantine: this.options.quarantine,
      maxRecordBytes: this.options.maxRecordBytes,
      maxObjectBytes: this.options.maxObjectBytes,
      now: Date.now,
      stopReadingAt: deadlines.stopReadingAt,
      deliveryDeadline: deadlines.deliveryDeadline,
      log: this.options.log,
    };
  }

  /**
   * A Lambda-shaped handler over the object queue (`ReportBatchItemFailures` semantics) that also
   * reports each message to `progress` as soon as it is done (its objects delivered, quarantined or
   * handed to a continuation), so a worker deletes it without waiting for the rest of the batch.
   */
  handler(): BatchHandler {
    const continuations = this.options.continuations;
    if (!continuations) throw new Error('LocalForwarder.handler() needs a continuation queue');
    return async (event, _context, progress) => {
      const base = this.dependencies(Date.now());
      const deps: MessageDependencies = {
        ...base,
        // The batch's objects start one after another and share each destination's requests in flight.
        ...invocationSchedule(base),
        continuations: {
          send: async (bodies) => {
            await continuations.send(bodies);
            this.stats.continuations += bodies.length;
          },
        },
        // Every pass over an object counts (as the Lambda's ObjectsForwarded does); a pass that stopped
        // early also sends a continuation, counted separately.
        onObject: (summary) => this.stats.add(summary, true),
      };
      const done = async (messageId: string) => {
        await progress?.succeeded(messageId);
      };
      const results = await Promise.allSettled(
        event.Records.map(async (record) => {
          await processMessage(record.body, deps, {
            acknowledge: () => done(record.messageId),
            receiveCount: Number(record.attributes.ApproximateReceiveCount),
          });
          await done(record.messageId);
        }),
      );
      const batchItemFailures: SQSBatchItemFailure[] = [];
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') return;
        this.stats.messagesFailed += 1;
        const record = event.Records[index];
        this.options.log.error('message failed', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          code: errorCode(result.reason),
          error: errorMessage(result.reason),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      });
      return { batchItemFailures };
    };
  }

  /**
   * Forwards one object directly (no queue), resuming where each destination stopped for up to
   * `attempts` passes while they make progress. The stats count the object once, whatever the passes.
   */
  async forward(
    object: ObjectRef,
    source: ForwardSource,
    logType: string,
    attempts = 3,
  ): Promise<DirectOutcome> {
    const passes: ForwardSummary[] = [];
    const outcome = await this.forwardInPasses(object, source, logType, attempts, passes);
    if (passes.length > 0) this.stats.add(summaryOfPasses(passes), outcome.status === 'complete');
    return outcome;
  }

  private async forwardInPasses(
    object: ObjectRef,
    source: ForwardSource,
    logType: string,
    attempts: number,
    passes: ForwardSummary[],
  ): Promise<DirectOutcome> {
    let work: ObjectWork = { object };
    for (let attempt = 1; ; attempt += 1) {
      const deps = { ...this.dependencies(Date.now()), source, logTypeFromKey: logType };
      let result;
      try {
        result = await forwardObject(work, deps);
      } catch (error) {
        if (error instanceof SluiceError && error.code === 'OBJECT_NOT_FOUND') {
          return { status: 'skipped', reason: error.message };
        }
        return { status: 'failed', code: errorCode(error), message: errorMessage(error) };
      }
      passes.push(result.summary);
      if (result.status === 'complete') return { status: 'complete' };
      const message =
        result.failures
          .map((failure) => `${failure.destination}: ${failure.code} ${failure.message}`)
          .join('; ') || 'out of time';
      if (attempt >= attempts || !result.madeProgress) {
        return { status: 'failed', code: result.failures[0]?.code ?? 'DEADLINE', message };
      }
      this.options.log.warn('object incomplete; resuming where each destination stopped', {
        key: object.key,
        attempt,
        reason: message,
      });
      work = result.work;
    }
  }

  close(): void {
    for (const destination of this.destinations) destination.sink.close?.();
  }
}
