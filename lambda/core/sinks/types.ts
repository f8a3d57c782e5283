import type { RequestLatency } from '../http/latency';
import type { OutboundRecord } from '../records/types';
import type { GatherTicket } from './gathering';

/** A record a destination refused for good (e.g. a mapping error): it is quarantined, never retried. */
export interface RejectedRecord {
  readonly record: OutboundRecord;
  /** Stable reason code, e.g. `ES_MAPPING_REJECTED`, `HEC_INVALID_EVENT`. */
  readonly code: string;
  /** Human-readable reason from the destination (never contains secrets). */
  readonly reason: string;
}

/** The result of delivering a batch to one destination, once retries inside the deadline are exhausted. */
export interface BatchOutcome {
  /** Accepted by the destination (Elasticsearch 409 on `create` counts: it was delivered before). */
  readonly delivered: readonly OutboundRecord[];
  /** Refused for good: the caller quarantines them. */
  readonly rejected: readonly RejectedRecord[];
  /** Still failing when the deadline or retry budget ran out: the caller fails the SQS message so it retries later. */
  readonly failed: readonly OutboundRecord[];
  /** Why `failed` is not empty (code + message), for logs and the message's failure. */
  readonly failure?: { readonly code: string; readonly message: string };
  /**
   * Records the destination took but has not yet confirmed (Splunk indexer acknowledgement): they are
   * neither delivered nor failed until `confirmed` settles. Every record of a batch is in exactly one of
   * delivered, rejected, failed and `pending.records`. Default: none.
   */
  readonly pending?: PendingDelivery;
}

/** Records awaiting the destination's confirmation, and the outcome they end with. */
export interface PendingDelivery {
  readonly records: readonly OutboundRecord[];
  /**
   * The final outcome of `records` (confirmed, resent and confirmed, refused, or failed when the
   * deadline came first); it has no `pending` of its own and never rejects.
   */
  readonly confirmed: Promise<BatchOutcome>;
}

/** Counters a sink reports while it works; the Lambda adapter turns them into Powertools metrics. */
export interface SinkObserver {
  request(
    destination: string,
    info: { status: number | 'network-error'; bytes: number; durationMs: number },
  ): void;
  retry(destination: string, info: { reason: string; delayMs: number }): void;
  authFailure(destination: string, status: number): void;
  /**
   * Elasticsearch's rollover lookup for one batch and target: records looked up, those found already
   * indexed (counted delivered), and those sent without the lookup because the cluster refused it
   * (`reason`: `forbidden` or `unsupported`); `duplicates`: records `_bulk` wrote to a write index newer
   * than the one they were checked against, that also have a copy in an older index. Optional: other
   * observers ignore it.
   */
  rolloverLookup?(
    destination: string,
    info: {
      readonly checked: number;
      readonly found: number;
      readonly unchecked: number;
      readonly duplicates?: number;
    },
  ): void;
  /**
   * Splunk HEC with acknowledgements: a `true` HEC answered for `ackId` on `channel` confirmed nothing,
   * and its events are sent again (`why`: see AckDistrust in splunk-hec/ack-tracker.ts). Optional:
   * other observers ignore it.
   */
  acknowledgementDistrusted?(
    destination: string,
    info: { readonly channel: string; readonly ackId: number; readonly why: string },
  ): void;
}

/** Warnings a sink logs itself (adapters map them to their logger). Never record content or secrets. */
export interface SinkLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface DeliveryContext {
  /** Epoch ms after which no new attempt starts (bounded by the Lambda's remaining time). */
  readonly deadline: number;
  readonly observer?: SinkObserver;
  /**
   * The invocation's request durations: an attempt starts only if it can be expected to end before
   * the deadline, and every attempt is recorded. Default: none (only the deadline itself is checked).
   */
  readonly latency?: RequestLatency;
  /** The ticket of the object this batch is from, when the sink gathers objects (`Sink.ticket`). */
  readonly ticket?: GatherTicket;
}

/** A destination: one per configured SIEM endpoint. */
export interface Sink {
  readonly name: string;
  /** Bytes one record adds to a request body (before gzip), so the caller can cut batches by bytes. */
  encodedSize(record: OutboundRecord): number;
  readonly maxBatchBytes: number;
  readonly maxBatchRecords: number;
  /** Delivers a batch. Never throws for destination errors: everything is reported in the outcome. */
  deliver(batch: readonly OutboundRecord[], context: DeliveryContext): Promise<BatchOutcome>;
  /**
   * A sink that runs the batches of the objects running at once together (the detections stage)
   * gives each object a ticket (see gathering.ts). `pool`: the slots the object waits for (one set
   * per invocation); without one, the object is running from the start. Default: none.
   */
  ticket?(pool?: object): GatherTicket;
  /** Releases keep-alive sockets (used by the CLI and tests; Lambda keeps them warm). */
  close?(): void;
}

/** A secret read from Secrets Manager (or anywhere else), cached by the adapter. */
export interface SecretSource {
  /** The current value (cached). */
  get(): Promise<string>;
  /** Forget the cache and read again: called once after a 401/403 in case the secret was rotated. */
  refresh(): Promise<string>;
}

/** Signs an HTTP request (SigV4 for Amazon OpenSearch Service); returns the headers to add. */
export interface RequestSigner {
  sign(request: {
    readonly method: string;
    readonly url: URL;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: Uint8Array;
  }): Promise<Record<string, string>>;
}
