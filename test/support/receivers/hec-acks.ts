import type { IncomingMessage } from 'node:http';
import type { HecEvent } from './hec-receiver';

/**
 * What becomes of the events of one request HEC accepted with an ackId:
 * - `acknowledge`: indexed; the ackId reads `true` after `pendingQueries` queries (or on demand);
 * - `lose`: indexed, but the ack state is lost (the indexer restarted): the ackId never reads `true`;
 * - `drop`: answered 200 with an ackId but never indexed (lost in the pipeline before the indexer),
 *   and never acknowledged: the case indexer acknowledgement exists for.
 */
export type AckFate = 'acknowledge' | 'lose' | 'drop';

/** Indexer acknowledgement on the token (`useACK = 1`), as HEC implements it. */
export interface HecAckOptions {
  /** Queries that answer `false` for an ackId before it reads `true`. Default: 1. */
  readonly pendingQueries?: number;
  /** Acknowledge only when `acknowledge()` is called (and the queries above were made). Default: false. */
  readonly manual?: boolean;
  /** Fates of the first accepted requests, in order; then by probability; else `acknowledge`. */
  readonly fates?: readonly AckFate[];
  readonly loseProbability?: number;
  readonly dropProbability?: number;
  /**
   * Indexers behind a load balancer: a request carrying the sticky cookie goes to the indexer it names,
   * any other to the next one in turn, and the answer sets the cookie. Each indexer has its own channels
   * and ackIds (they are in its memory). Default: 1 (no load balancer, no cookie).
   */
  readonly indexers?: number;
  /** Default: `AWSALB` (an Application Load Balancer's stickiness cookie). */
  readonly stickyCookie?: string;
  /**
   * What an ack query answers for a channel the indexer does not know (never used, or gone with a
   * restart): `false` for every ackId, or 400 code 11 "Invalid data channel". Splunk's documentation
   * does not say which; the client must be safe with both. Default: `false`.
   */
  readonly unknownChannel?: 'false' | 'invalid';
}

export interface RestartOptions {
  /** The events of the requests still pending die with the indexer too (never indexed). Default: false. */
  readonly losePendingEvents?: boolean;
}

/** One request HEC accepted with an ackId, and what became of it. */
export interface AckRecord {
  readonly indexer: number;
  readonly channel: string;
  readonly ackId: number;
  /** The events of the request (indexed, unless the fate is `drop`). */
  readonly events: readonly HecEvent[];
  fate: AckFate;
  /** Queries that asked for it. */
  queries: number;
  /** Set by `acknowledge()` in manual mode. */
  released: boolean;
  /** HEC answered `true` for it (and forgot it). */
  answeredTrue: boolean;
}

export interface HecAckCounters {
  ackQueries: number;
  ackIdsIssued: number;
  /** ackIds answered `true`. */
  acknowledged: number;
  /** Requests per indexer (events and ack queries). */
  byIndexer: number[];
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** HEC's answers about the channel, or undefined when it is usable. */
export function channelRefusal(
  channel: string | undefined,
): { readonly text: string; readonly code: number } | undefined {
  if (channel === undefined || channel === '') return { text: 'Data channel is missing', code: 10 };
  if (!GUID.test(channel)) return { text: 'Invalid data channel', code: 11 };
  return undefined;
}

/** The channel of a request: the `X-Splunk-Request-Channel` header, or the `channel` query parameter. */
export function channelOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-splunk-request-channel'];
  if (typeof header === 'string') return header;
  return new URL(req.url ?? '/', 'http://receiver').searchParams.get('channel') ?? undefined;
}

/** The ack state of the indexers behind HEC: channels, ackIds, and the load balancer's routing. */
export class HecAckState {
  readonly records: AckRecord[] = [];
  readonly counters: HecAckCounters;
  /** Per indexer: channel → next ackId and the ackIds not yet answered `true`. */
  private indexers: Map<string, { nextAckId: number; pending: Map<number, AckRecord> }>[];
  private readonly fates: AckFate[];
  private turn = 0;

  constructor(
    private readonly options: HecAckOptions,
    private readonly random: () => number,
  ) {
    const count = options.indexers ?? 1;
    this.indexers = Array.from({ length: count }, () => new Map());
    this.fates = [...(options.fates ?? [])];
    this.counters = { ackQueries: 0, ackIdsIssued: 0, acknowledged: 0, byIndexer: Array(count).fill(0) };
  }

  get cookie(): string {
    return this.options.stickyCookie ?? 'AWSALB';
  }

  /** The indexer a request reaches, and the cookie to set on its answer (when it carried none). */
  route(req: IncomingMessage): { indexer: number; setCookie?: string } {
    const count = this.indexers.length;
    let indexer: number | undefined;
    let setCookie: string | undefined;
    if (count > 1) {
      const sticky = cookiesOf(req).get(this.cookie);
      const named = sticky === undefined ? Number.NaN : Number(sticky);
      if (Number.isInteger(named) && named >= 0 && named < count) indexer = named;
    }
    if (indexer === undefined) {
      indexer = this.turn % count;
      this.turn += 1;
      if (count > 1) setCookie = `${this.cookie}=${indexer}; Path=/; Max-Age=604800`;
    }
    this.counters.byIndexer[indexer] += 1;
    return { indexer, setCookie };
  }

  /** The fate of the next accepted request. */
  nextFate(): AckFate {
    const programmed = this.fates.shift();
    if (programmed) return programmed;
    if (this.random() < (this.options.dropProbability ?? 0)) return 'drop';
    if (this.random() < (this.options.loseProbability ?? 0)) return 'lose';
    return 'acknowledge';
  }

  /** Issues the next ackId of `channel` on `indexer` for an accepted request. */
  issue(indexer: number, channel: string, events: readonly HecEvent[], fate: AckFate): number {
    const channels = this.indexers[indexer];
    let state = channels.get(channel);
    if (!state) channels.set(channel, (state = { nextAckId: 0, pending: new Map() }));
    const ackId = state.nextAckId;
    state.nextAckId += 1;
    const record: AckRecord = {
      indexer,
      channel,
      ackId,
      events,
      fate,
      queries: 0,
      released: false,
      answeredTrue: false,
    };
    state.pending.set(ackId, record);
    this.records.push(record);
    this.counters.ackIdsIssued += 1;
    return ackId;
  }

  /**
   * `{"acks":{"<id>":true|false}}` for a query on `indexer`; an id answered `true` is forgotten.
   * Undefined: the channel is unknown and `unknownChannel` is `invalid`.
   */
  query(indexer: number, channel: string, ackIds: readonly number[]): Record<string, boolean> | undefined {
    this.counters.ackQueries += 1;
    const pending = this.indexers[indexer].get(channel)?.pending;
    if (!pending && this.options.unknownChannel === 'invalid') return undefined;
    const statuses: Record<string, boolean> = {};
    for (const ackId of ackIds) {
      const record = pending?.get(ackId);
      if (!record) {
        statuses[ackId] = false;
        continue;
      }
      const ready =
        record.fate === 'acknowledge' &&
        record.queries >= (this.options.pendingQueries ?? 1) &&
        (!this.options.manual || record.released);
      record.queries += 1;
      statuses[ackId] = ready;
      if (ready) {
        pending!.delete(ackId);
        record.answeredTrue = true;
        this.counters.acknowledged += 1;
      }
    }
    return statuses;
  }

  /** Manual mode: every pending ackId may now read `true`. Returns how many were released. */
  acknowledge(): number {
    let released = 0;
    for (const record of this.records) {
      if (!record.answeredTrue && !record.released && record.fate === 'acknowledge') {
        record.released = true;
        released += 1;
      }
    }
    return released;
  }

  /**
   * The indexers restart: channels and pending ack states are gone, and the channels count from 0 again.
   * The events of pending requests stay indexed, unless `losePendingEvents`. Returns the pending requests.
   */
  restart(options: RestartOptions = {}): AckRecord[] {
    const pending: AckRecord[] = [];
    for (const channels of this.indexers) {
      for (const state of channels.values()) {
        for (const record of state.pending.values()) {
          if (record.fate === 'drop') continue;
          pending.push(record);
          record.fate = options.losePendingEvents ? 'drop' : 'lose';
        }
      }
    }
    this.indexers = this.indexers.map(() => new Map());
    return pending;
  }

  clear(): void {
    this.records.length = 0;
    this.fates.length = 0;
    this.indexers = this.indexers.map(() => new Map());
    this.turn = 0;
    this.counters.ackQueries = 0;
    this.counters.ackIdsIssued = 0;
    this.counters.acknowledged = 0;
    this.counters.byIndexer.fill(0);
  }
}

function cookiesOf(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of String(req.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0) cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
  }
  return cookies;
}
