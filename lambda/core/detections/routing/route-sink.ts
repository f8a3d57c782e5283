import { errorMessage } from '../../errors';
import type { OutboundRecord } from '../../records/types';
import { SinkCodes } from '../../sinks/codes';
import type { BatchOutcome, DeliveryContext, RejectedRecord, Sink, SinkObserver } from '../../sinks/types';
import { readAlertRecord } from './alert-record';
import type { AlertChannel, ChannelResult } from './channel';
import { AlertRoutingCodes } from './codes';
import { undelivered } from './sender';
import { routeSinkName } from './sink-name';
import { routeTakes, type Route } from './table';

/** Alerts per batch: each is one request, sent one after another, so a batch is a unit of progress. */
export const ROUTE_BATCH_RECORDS = 20;
/** Bounds the alerts held per batch (no request carries a batch: each alert is sent on its own). */
export const ROUTE_BATCH_BYTES = 4 * 1024 * 1024;

export interface RouteSinkOptions {
  /** Alerts per batch. Default: ROUTE_BATCH_RECORDS (20). */
  readonly maxBatchRecords?: number;
  /** Bytes of alerts per batch. Default: ROUTE_BATCH_BYTES (4 MiB). */
  readonly maxBatchBytes?: number;
}

/**
 * One alert route as a forwarder destination (`route:<routeName>`, log type `sluice-alerts`): each
 * record is an alert the detections stage wrote; the route sends the ones its levels and kinds select
 * to its channel, and the forwarder keeps the route's progress, retries, DLQ and redrive like any
 * destination's.
 *
 * A batch's alerts are sent one after another, in order. Once one fails in a way that can succeed
 * later (the channel down, rate limited past the deadline, a wrong secret), the rest of the batch is
 * reported failed without being sent: the route resumes at that alert, and never delivers a later
 * alert before an earlier one because of a retry. An alert the channel refused for good (Slack 400
 * `invalid_payload`, PagerDuty 400) is rejected, i.e. quarantined, and the batch goes on.
 */
export class RouteSink implements Sink {
  readonly name: string;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  /** The observer of the delivery under way: the channel's retries are reported to it. */
  private observer?: SinkObserver;

  constructor(
    readonly route: Route,
    private readonly channel: AlertChannel,
    options: RouteSinkOptions = {},
  ) {
    this.name = routeSinkName(route.name);
    this.maxBatchRecords = options.maxBatchRecords ?? ROUTE_BATCH_RECORDS;
    this.maxBatchBytes = options.maxBatchBytes ?? ROUTE_BATCH_BYTES;
  }

  encodedSize(record: OutboundRecord): number {
    return record.bytes.length + 1;
  }

  /** A wait before a retry of this route's channel (wire it as the channel's `sender.onRetry`). */
  reportRetry(info: { readonly reason: string; readonly delayMs: number }): void {
    this.observer?.retry(this.name, info);
  }

  async deliver(batch: readonly OutboundRecord[], context: DeliveryContext): Promise<BatchOutcome> {
    if (context.observer) this.observer = context.observer;
    const delivered: OutboundRecord[] = [];
    const rejected: RejectedRecord[] = [];
    const failed: OutboundRecord[] = [];
    let failure: { readonly code: string; readonly message: string } | undefined;
    for (const record of batch) {
      if (failure) {
        failed.push(record);
        continue;
      }
      const result = await this.send(record, context.deadline);
      if (result === 'not-taken' || result.delivered) delivered.push(record);
      else if (!result.retryLater) rejected.push({ record, code: result.code, reason: result.message });
      else {
        failed.push(record);
        failure = failureOf(result);
      }
    }
    return failure ? { delivered, rejected, failed, failure } : { delivered, rejected, failed };
  }

  close(): void {
    this.channel.close?.();
  }

  /** Sends one record's alert when this route takes it. Never throws. */
  private async send(record: OutboundRecord, deadline: number): Promise<'not-taken' | ChannelResult> {
    let value: unknown;
    try {
      value = record.value;
    } catch (error) {
      return invalid(`the record cannot be parsed: ${errorMessage(error)}`);
    }
    const reading = readAlertRecord(value);
    if (!reading.ok) return invalid(reading.problem);
    const { alert } = reading;
    if (!routeTakes(this.route, alert.level, alert.status)) return 'not-taken';
    try {
      return await this.channel.send(alert, deadline);
    } catch (error) {
      // A channel reports every failure in its result; reaching here is a bug, never a lost alert.
      return undelivered(0, AlertRoutingCodes.FAILED, `${this.route.name}: ${errorMessage(error)}`);
    }
  }
}

/** A record that is no alert: refused for good, it would be refused again. */
function invalid(message: string): ChannelResult {
  return undelivered(0, AlertRoutingCodes.INVALID_ALERT, message);
}

/**
 * The batch's failure. An alert not even tried because no time was left is the forwarder's deadline
 * (the route refused nothing), so an object that only ran out of time is handed back like any other.
 */
function failureOf(result: Extract<ChannelResult, { delivered: false }>) {
  const code =
    result.code === AlertRoutingCodes.DEADLINE && result.attempts === 0 ? SinkCodes.DEADLINE : result.code;
  return { code, message: result.message };
}
