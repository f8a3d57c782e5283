import { errorMessage } from '../../errors';
import type { Authorizer } from '../auth';
import { fatal, type Classification, type Records } from '../classification';
import { SinkCodes } from '../codes';
import { createDeliveryLoop, type Deliver, type DeliveryLoopOptions } from '../delivery-loop';
import type { HttpResponse, HttpResult, HttpTransport } from '../../http/client';
import type { NetworkErrorKind } from '../../http/errors';
import type { BatchOutcome, DeliveryContext, SinkLog, SinkObserver } from '../types';
import { readAckId } from './ack-answers';
import { createAckQuery } from './ack-query';
import { AckTracker, type AckVerdict, type DistrustedAck, type SendMark } from './ack-tracker';
import { classifyHecAnswer } from './classifier';
import { HecSession } from './hec-session';

/**
 * Batches that may await acknowledgement at once, per request the destination may have in flight. A
 * batch waits about one poll interval for its acknowledgement, far longer than its request: without
 * this many the requests would idle. Their records stay in memory meanwhile (at most this many
 * `maxBatchBytes` per `maxConcurrency`).
 */
export const PENDING_BATCHES_PER_REQUEST = 4;

/** Failures of an event request that never reached HEC: it numbered nothing, no ackId is unaccounted for. */
const NEVER_REACHED_HEC: ReadonlySet<NetworkErrorKind> = new Set(['refused', 'dns']);

export interface AcknowledgedDeliveryOptions {
  readonly name: string;
  /** The shared loop settings (transport, limiter, gzip, retries, clock) of this destination. */
  readonly loop: Omit<DeliveryLoopOptions, 'name' | 'protocol' | 'authorizer'>;
  readonly authorizer: Authorizer;
  readonly eventUrl: URL;
  readonly ackUrl: URL;
  readonly encode: (batch: Records) => Uint8Array;
  readonly maxConcurrency: number;
  readonly pollIntervalSeconds: number;
  readonly timeoutSeconds: number;
  /** Default: a new random channel (one per execution environment, as the sink is built once). */
  readonly session?: HecSession;
  /** Where a `true` that confirmed nothing is logged (see AckDistrust). Default: not logged. */
  readonly log?: SinkLog;
}

export interface AcknowledgedDelivery {
  readonly deliver: Deliver;
  readonly session: HecSession;
  close(): void;
}

/** Events HEC accepted under one ackId, and the wait for it (begun as the answer was read). */
interface Receipt {
  readonly ackId: number;
  readonly records: Records;
  readonly verdict: Promise<AckVerdict>;
}

/**
 * Delivery with Splunk indexer acknowledgement. A batch is sent like any other (same retries, splits and
 * partial acceptance), on this environment's channel; each accepted request's `ackId` is then awaited
 * (see AckTracker). The batch comes back at once with its accepted records `pending`: they count as
 * delivered only when acknowledged. An ackId that times out, or is lost to an indexer restart, has its
 * events sent again (duplicates rather than loss, as Splunk's documentation prescribes); one still
 * pending at the deadline fails (HEC_NOT_ACKNOWLEDGED) so the object's continuation starts before it and
 * a later invocation sends it again.
 */
export function createAcknowledgedDelivery(options: AcknowledgedDeliveryOptions): AcknowledgedDelivery {
  const { name, loop } = options;
  const session = options.session ?? new HecSession();
  // Every request, events and ack queries, travels on the session: its channel and sticky cookies.
  const transport = session.transport(loop.transport);
  const now = loop.now ?? Date.now;
  let observer: SinkObserver | undefined;
  const tracker = new AckTracker({
    query: createAckQuery({
      name,
      url: options.ackUrl,
      transport,
      limiter: loop.limiter,
      authorizer: options.authorizer,
      requestTimeoutMs: loop.requestTimeoutMs,
      now,
      observer: () => observer,
    }),
    pollIntervalMs: options.pollIntervalSeconds * 1000,
    timeoutMs: options.timeoutSeconds * 1000,
    maxPending: options.maxConcurrency * PENDING_BATCHES_PER_REQUEST,
    now,
    sleep: loop.sleep,
    onDistrusted: (distrusted) => reportDistrusted(distrusted),
  });
  // Each costs a resend, i.e. a copy in Splunk: operators can count them, and match them to HEC's ackIds.
  const reportDistrusted = ({ ackId, why, reason }: DistrustedAck): void => {
    const { channel } = session;
    observer?.acknowledgementDistrusted?.(name, { channel, ackId, why });
    options.log?.warn('HEC acknowledgement not trusted; its events are sent again', {
      code: SinkCodes.HEC_ACK_DISTRUSTED,
      destination: name,
      channel,
      ackId,
      why,
      reason,
    });
  };
  // What the tracker knew when each event request left, by its answer: an ackId is only trustworthy if
  // higher than every one read before its request left (see ack-reuse.ts). Every mark ends, so that a
  // `true` held for the requests in flight (see held-acks.ts) is released: the classifier ends those
  // with an answer, this transport the others.
  const marks = new WeakMap<HttpResponse, SendMark>();
  const eventTransport: HttpTransport = {
    request: async (request) => {
      const mark = tracker.mark();
      let result: HttpResult;
      try {
        result = await transport.request(request);
      } catch (error) {
        tracker.ended(mark, 'unanswered', errorMessage(error));
        throw error;
      }
      if (result.ok) marks.set(result.response, mark);
      // Refused or not found, the connection never reached HEC: nothing was numbered.
      else if (NEVER_REACHED_HEC.has(result.error.kind)) tracker.ended(mark, 'answered');
      else tracker.ended(mark, 'unanswered', result.error.code);
      return result;
    },
  };

  /** The classifier of one send: HEC's usual reading, plus the ackId of what it took. */
  const classifyWithAckId =
    (receipts: Receipt[], context: DeliveryContext) =>
    (response: HttpResponse, group: Records): Classification => {
      const mark = marks.get(response);
      try {
        const classification = classifyHecAnswer(response, group, true);
        const ackId = classification.delivered.length > 0 ? readAckId(response.body) : undefined;
        if (ackId === undefined) return withoutAckId(response, classification);
        // Registered now, not once the whole batch is sent (retries, splits): meanwhile a `true` for
        // this id could be credited to an older wait whose id a restarted indexer handed out again.
        const verdict = tracker.wait(ackId, context.deadline, mark);
        receipts.push({ ackId, records: classification.delivered, verdict });
        return classification;
      } catch (error) {
        // An answer left unread may have carried a reused ackId.
        if (mark) tracker.ended(mark, 'unanswered', errorMessage(error));
        throw error;
      } finally {
        // HEC answered without an ackId: it numbered nothing. (A mark given to `wait` has ended already.)
        if (mark) tracker.ended(mark, 'answered');
      }
    };

  /** An answer that took no events, or took some without an ackId. */
  const withoutAckId = (response: HttpResponse, classification: Classification): Classification => {
    if (classification.delivered.length === 0) return classification;
    if (response.status >= 200 && response.status < 300) {
      return fatal(
        SinkCodes.HEC_ACK_DISABLED,
        `${name}: HEC ${response.status} took the events without an ackId, so the token has indexer acknowledgement disabled while the destination has acknowledgements: true. Fix: enable indexer acknowledgement on the token (useACK = 1), or set acknowledgements: false. These events may be indexed already; they are sent again once fixed`,
      );
    }
    // An event refused: HEC took the ones before it but names no ackId for them, so they cannot be
    // confirmed. They are sent again, ahead of the rest.
    if (classification.fatal) return { ...classification, delivered: [] };
    return {
      ...classification,
      delivered: [],
      resend: [classification.delivered, ...(classification.resend ?? [])],
    };
  };

  async function send(
    records: Records,
    context: DeliveryContext,
  ): Promise<{ outcome: BatchOutcome; receipts: Receipt[] }> {
    const receipts: Receipt[] = [];
    const deliverOnce = createDeliveryLoop({
      ...loop,
      name,
      transport: eventTransport,
      authorizer: options.authorizer,
      protocol: {
        url: options.eventUrl,
        contentType: 'application/json',
        encode: options.encode,
        classify: classifyWithAckId(receipts, context),
      },
    });
    return { outcome: await deliverOnce(records, context), receipts };
  }

  async function confirm(receipts: readonly Receipt[], context: DeliveryContext): Promise<BatchOutcome> {
    return mergeOutcomes(await Promise.all(receipts.map((receipt) => confirmOne(receipt, context))));
  }

  async function confirmOne(receipt: Receipt, context: DeliveryContext): Promise<BatchOutcome> {
    const { ackId, records } = receipt;
    const verdict = await receipt.verdict;
    switch (verdict.status) {
      case 'acknowledged':
        return { delivered: records, rejected: [], failed: [] };
      case 'failed':
        return failedOutcome(records, verdict.code, verdict.message);
      case 'deadline':
        return failedOutcome(
          records,
          SinkCodes.HEC_NOT_ACKNOWLEDGED,
          `${name}: HEC took ${records.length} events (ackId ${ackId}) but had not acknowledged them by the deadline (${verdict.reason}); a later invocation sends them again`,
        );
      case 'timeout':
      case 'lost': {
        const why =
          verdict.status === 'lost'
            ? `ackId ${ackId} can no longer be acknowledged (${verdict.reason})`
            : `ackId ${ackId} not acknowledged within ${options.timeoutSeconds} s (${verdict.reason})`;
        context.observer?.retry(name, {
          reason: `${why}: sending its ${records.length} events again`,
          delayMs: 0,
        });
        const again = await send(records, context);
        const confirmed = await confirm(again.receipts, context);
        return mergeOutcomes([{ ...again.outcome, delivered: [] }, confirmed]);
      }
    }
  }

  const deliver: Deliver = async (batch, context) => {
    observer = context.observer;
    await tracker.acquire();
    let confirmed: Promise<BatchOutcome> | undefined;
    try {
      const { outcome, receipts } = await send(batch, context);
      if (receipts.length === 0) return outcome;
      const accepted = outcome.delivered;
      confirmed = confirm(receipts, context).catch((error: unknown) =>
        // A bug must not lose the records: they fail, and are sent again.
        failedOutcome(accepted, 'SINK_CRASHED', `${name}: ${errorMessage(error)}`),
      );
      return { ...outcome, delivered: [], pending: { records: accepted, confirmed } };
    } finally {
      // The place among pending batches is held until the batch is settled.
      if (confirmed) void confirmed.finally(() => tracker.release());
      else tracker.release();
    }
  };

  return { deliver, session, close: () => tracker.close() };
}

function failedOutcome(records: Records, code: string, message: string): BatchOutcome {
  return { delivered: [], rejected: [], failed: records, failure: { code, message } };
}

function mergeOutcomes(outcomes: readonly BatchOutcome[]): BatchOutcome {
  const failure = outcomes.find((outcome) => outcome.failure)?.failure;
  const merged = {
    delivered: outcomes.flatMap((outcome) => outcome.delivered),
    rejected: outcomes.flatMap((outcome) => outcome.rejected),
    failed: outcomes.flatMap((outcome) => outcome.failed),
  };
  return failure ? { ...merged, failure } : merged;
}
