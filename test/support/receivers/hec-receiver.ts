import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HecAckState,
  channelOf,
  channelRefusal,
  type AckRecord,
  type HecAckCounters,
  type HecAckOptions,
  type RestartOptions,
} from './hec-acks';
import { parseStackedJson } from './stacked-json';
import {
  FaultSchedule,
  decodeBody,
  delay,
  readRaw,
  resetConnection,
  sendJson,
  startLoopbackServer,
  type LoopbackServer,
} from './server';

/** An event as HEC stores it. */
export interface HecEvent {
  readonly time?: number | string;
  readonly host?: string;
  readonly index?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly event: unknown;
  readonly fields?: Record<string, unknown>;
}

/**
 * One request's fault:
 * - `busy`: 503 `{"text":"Server is busy","code":9}`; `error`: 500 `{"text":"Internal server error","code":8}`
 * - `reset`: the connection is destroyed after the body is read, nothing indexed
 * - `reset-after-indexing`: the events are indexed, then the connection is destroyed (the client resends: duplicates)
 * - `{ delayMs }`: answer normally after a delay
 * - `{ acceptFirst: n }`: index events [0, n) and refuse event n with code 6, as HEC does for a bad event
 * - `{ status, body, headers? }`: any answer, verbatim (e.g. 413, 429 with Retry-After, 400 without event number)
 * - `ok`: answer normally (use it to space out faults in a sequence)
 */
export type HecFault =
  | 'ok'
  | 'busy'
  | 'error'
  | 'reset'
  | 'reset-after-indexing'
  | { readonly delayMs: number }
  | { readonly acceptFirst: number }
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export interface HecReceiverOptions {
  /** Accepted token (`Authorization: Splunk <token>`). Default: `test-hec-token`. */
  readonly token?: string;
  /** Allowed indexes; an event naming another one is refused with code 7. Default: any. */
  readonly indexes?: readonly string[];
  /** Events matching this are refused with code 6 "Invalid data format", like a malformed event. */
  readonly invalidEvent?: (event: HecEvent) => boolean;
  /** Largest decompressed body; above it, 413. Default: 100 MB. */
  readonly maxContentLength?: number;
  /** Keep accepted events in `events`. Default: true (turn off for long benchmarks). */
  readonly store?: boolean;
  /** Count events seen twice (by their exact text). Default: true. */
  readonly trackDuplicates?: boolean;
  /** Faults for the first requests, in order (one per request). */
  readonly faults?: readonly HecFault[];
  readonly busyProbability?: number;
  readonly errorProbability?: number;
  readonly resetProbability?: number;
  /** Delay every answer by this much. */
  readonly delayMs?: number;
  /**
   * Holds back the answer to an accepted event request by what this returns for its events (ms), once
   * they are indexed and have their ackId: one request of a batch can be kept in flight while others go on.
   */
  readonly answerDelayMs?: (events: readonly HecEvent[]) => number;
  /**
   * Holds back the answer to an accepted event request (indexed, its ackId issued) until the promise
   * settles: a test orders HEC's answers by conditions, not by clocks. Resolved to `reset`, the
   * connection is destroyed instead of answering (the answer is lost). Undefined: answer at once.
   */
  readonly beforeEventAnswer?: (accepted: {
    readonly ackId?: number;
    readonly events: readonly HecEvent[];
  }) => Promise<'answer' | 'reset' | void> | undefined;
  /**
   * Holds an ack query before HEC looks up the statuses it answers, until the promise settles: the
   * moment HEC answers can be put after another request was taken. Undefined: at once.
   */
  readonly beforeAckStatuses?: (ackIds: readonly number[]) => Promise<void> | undefined;
  /** Randomness for the probabilities. Default: Math.random. */
  readonly random?: () => number;
  /**
   * Indexer acknowledgement enabled on the token: every request needs a channel (code 10 without one,
   * 11 for one that is not a GUID), accepted requests are answered with an `ackId`, and
   * `POST /services/collector/ack` answers their statuses. Without it, ack queries are answered code 14
   * "ACK is disabled" and event answers carry no `ackId`. Default: disabled.
   */
  readonly ack?: HecAckOptions;
}

export interface HecCounters {
  requests: number;
  /** Events indexed (including duplicates). */
  eventsAccepted: number;
  /** Events refused as invalid (each answer refuses at most one). */
  eventsRefused: number;
  /** Indexed events whose exact text had been indexed before. */
  duplicates: number;
  bytesReceived: number;
  resets: number;
  byStatus: Record<number, number>;
}

export interface HecReceiver {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (the client adds `/services/collector/event`). */
  readonly url: string;
  readonly events: HecEvent[];
  readonly counters: HecCounters;
  /** Headers of the last request (to check auth and content-encoding). */
  readonly lastHeaders: IncomingMessage['headers'] | undefined;
  injectFaults(...faults: HecFault[]): void;
  /** Rotates the accepted token (the old one becomes invalid). */
  setToken(token: string): void;
  /** Disables the token (403 code 1), like an admin would. */
  setTokenDisabled(disabled: boolean): void;
  /** Turns the token's indexer acknowledgement on or off (only with `ack` options). */
  setAckEnabled(enabled: boolean): void;
  /** Every request accepted with an ackId, and what became of it (only with `ack` options). */
  readonly acks: readonly AckRecord[];
  readonly ackCounters: HecAckCounters;
  /** Manual acknowledgement: the pending ackIds may now read `true`. Returns how many. */
  acknowledge(): number;
  /**
   * The indexers restart: pending ack states are lost and channels restart at 0. Their events stay
   * indexed, unless `losePendingEvents` (then they leave `events`, which needs `store`).
   */
  restartIndexers(options?: RestartOptions): void;
  clear(): void;
  close(): Promise<void>;
}

const ACK_PATH = '/services/collector/ack';

const EVENT_PATHS = new Set([
  '/services/collector',
  '/services/collector/event',
  '/services/collector/event/1.0',
]);

type Refusal = { readonly text: string; readonly code: number };

/** Starts a local Splunk HEC that validates, parses and answers like the real one. */
export async function startHecReceiver(options: HecReceiverOptions = {}): Promise<HecReceiver> {
  let token = options.token ?? 'test-hec-token';
  let tokenDisabled = false;
  const store = options.store ?? true;
  const trackDuplicates = options.trackDuplicates ?? true;
  const maxContentLength = options.maxContentLength ?? 100_000_000;
  const allowedIndexes = options.indexes ? new Set(options.indexes) : undefined;
  const faults = new FaultSchedule<HecFault>(options.faults, options.random);
  const acks = new HecAckState(options.ack ?? {}, options.random ?? Math.random);
  let ackEnabled = options.ack !== undefined;
  const events: HecEvent[] = [];
  const seen = new Set<string>();
  /** The text each stored event was indexed as (to forget it again). */
  const texts = new WeakMap<HecEvent, string>();
  const counters: HecCounters = emptyCounters();
  let lastHeaders: IncomingMessage['headers'] | undefined;

  /** The load balancer's cookie for the answer being written (several indexers only). */
  const stickiness = new WeakMap<ServerResponse, string>();
  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers?: Record<string, string>,
  ): void => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    const cookie = stickiness.get(res);
    sendJson(res, status, body, cookie ? { ...headers, 'set-cookie': cookie } : headers);
  };

  const refusalOf = (candidate: unknown): Refusal | undefined => {
    if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) {
      return { text: 'Invalid data format', code: 6 };
    }
    const event = candidate as HecEvent;
    if (!('event' in event) || event.event === null || event.event === undefined) {
      return { text: 'Event field is required', code: 12 };
    }
    if (event.event === '') return { text: 'Event field cannot be blank', code: 13 };
    if (event.time !== undefined && !Number.isFinite(Number(event.time))) {
      return { text: 'Invalid data format', code: 6 };
    }
    if (allowedIndexes && event.index !== undefined && !allowedIndexes.has(event.index)) {
      return { text: 'Incorrect index', code: 7 };
    }
    if (options.invalidEvent?.(event)) return { text: 'Invalid data format', code: 6 };
    return undefined;
  };

  const index = (event: HecEvent, text: string): void => {
    counters.eventsAccepted += 1;
    if (trackDuplicates) {
      if (seen.has(text)) counters.duplicates += 1;
      else seen.add(text);
    }
    if (store) {
      events.push(event);
      texts.set(event, text);
    }
  };

  /** Takes indexed events out again (they died with an indexer before being written). */
  const unindex = (lost: readonly HecEvent[]): void => {
    for (const event of lost) {
      const at = events.indexOf(event);
      if (at < 0) continue;
      events.splice(at, 1);
      counters.eventsAccepted -= 1;
      const text = texts.get(event);
      if (text !== undefined && !events.some((other) => texts.get(other) === text)) seen.delete(text);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    lastHeaders = req.headers;
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (req.method === 'GET' && path === '/services/collector/health') {
      answer(res, 200, { text: 'HEC is healthy', code: 17 });
      return;
    }
    const raw = await readRaw(req);
    counters.bytesReceived += raw.length;
    const fault = faults.next([
      ['reset', options.resetProbability],
      ['busy', options.busyProbability],
      ['error', options.errorProbability],
    ]);
    if (options.delayMs) await delay(options.delayMs);
    if (fault === 'reset') {
      counters.resets += 1;
      resetConnection(req);
      return;
    }
    if (fault === 'busy') return answer(res, 503, { text: 'Server is busy', code: 9 });
    if (fault === 'error') return answer(res, 500, { text: 'Internal server error', code: 8 });
    if (typeof fault === 'object' && 'status' in fault)
      return answer(res, fault.status, fault.body, fault.headers);
    if (typeof fault === 'object' && 'delayMs' in fault) await delay(fault.delayMs);

    const isAckQuery = req.method === 'POST' && path === ACK_PATH;
    if (!isAckQuery && (req.method !== 'POST' || !EVENT_PATHS.has(path))) {
      return answer(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    }
    // The load balancer picks the indexer before anything is read.
    const routed = acks.route(req);
    if (routed.setCookie) stickiness.set(res, routed.setCookie);
    const authorization = req.headers.authorization;
    if (!authorization) return answer(res, 401, { text: 'Token is required', code: 2 });
    const match = /^Splunk\s+(\S+)$/.exec(authorization);
    if (!match) return answer(res, 401, { text: 'Invalid authorization', code: 3 });
    if (match[1] !== token) return answer(res, 403, { text: 'Invalid token', code: 4 });
    if (tokenDisabled) return answer(res, 403, { text: 'Token disabled', code: 1 });
    const channel = channelOf(req);
    if (isAckQuery) {
      if (!ackEnabled) return answer(res, 400, { text: 'ACK is disabled', code: 14 });
      const refused = channelRefusal(channel);
      if (refused) return answer(res, 400, refused);
      const asked = readAckQuery(raw);
      if (!asked) return answer(res, 400, { text: 'Invalid data format', code: 6 });
      await options.beforeAckStatuses?.(asked);
      const statuses = acks.query(routed.indexer, channel!, asked);
      if (!statuses) return answer(res, 400, { text: 'Invalid data channel', code: 11 });
      return answer(res, 200, { acks: statuses });
    }
    if (ackEnabled) {
      const refused = channelRefusal(channel);
      if (refused) return answer(res, 400, refused);
    }

    let body: Buffer;
    try {
      body = await decodeBody(req, raw);
    } catch {
      return answer(res, 400, { text: 'Invalid data format', code: 6 });
    }
    if (body.length > maxContentLength) {
      // splunkd answers oversized bodies itself, in its XML envelope rather than HEC's JSON.
      res.writeHead(413, { 'content-type': 'text/xml; charset=UTF-8' });
      counters.byStatus[413] = (counters.byStatus[413] ?? 0) + 1;
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<response><messages><msg type="ERROR">Content-Length of ${body.length} too large (maximum is ${maxContentLength})</msg></messages></response>`,
      );
      return;
    }
    const parsed = parseStackedJson(body.toString('utf8'));
    if (parsed.values.length === 0 && !parsed.error) return answer(res, 400, { text: 'No data', code: 5 });

    const acceptFirst = typeof fault === 'object' && 'acceptFirst' in fault ? fault.acceptFirst : Infinity;
    const head: [HecEvent, string][] = [];
    const refuse = (number: number, refusal: { readonly text: string; readonly code: number }): void => {
      // HEC indexes the events before the refused one, and gives them no ackId.
      counters.eventsRefused += 1;
      for (const [event, text] of head) index(event, text);
      answer(res, 400, { ...refusal, 'invalid-event-number': number });
    };
    for (let number = 0; number < parsed.values.length; number += 1) {
      const { value, text } = parsed.values[number];
      const refusal = number >= acceptFirst ? { text: 'Invalid data format', code: 6 } : refusalOf(value);
      if (refusal) return refuse(number, refusal);
      head.push([value as HecEvent, text]);
    }
    if (parsed.error) return refuse(parsed.error.index, { text: 'Invalid data format', code: 6 });

    // Accepted as a whole. With acknowledgement, a `drop` fate loses the events after the 200.
    const fate = ackEnabled ? acks.nextFate() : 'acknowledge';
    if (fate !== 'drop') for (const [event, text] of head) index(event, text);
    const ackId = ackEnabled
      ? acks.issue(
          routed.indexer,
          channel!,
          // Without `store`, ack records keep no events either (a benchmark's receiver only counts).
          store ? head.map(([event]) => event) : [],
          fate,
        )
      : undefined;
    if (fault === 'reset-after-indexing') {
      counters.resets += 1;
      resetConnection(req);
      return;
    }
    const held = options.answerDelayMs?.(head.map(([event]) => event)) ?? 0;
    if (held > 0) await delay(held);
    const then = await options.beforeEventAnswer?.({ ackId, events: head.map(([event]) => event) });
    if (then === 'reset') {
      counters.resets += 1;
      resetConnection(req);
      return;
    }
    answer(
      res,
      200,
      ackId === undefined ? { text: 'Success', code: 0 } : { text: 'Success', code: 0, ackId },
    );
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  return {
    url: server.url,
    events,
    counters,
    get lastHeaders() {
      return lastHeaders;
    },
    injectFaults: (...more) => faults.push(...more),
    setToken: (next) => {
      token = next;
    },
    setTokenDisabled: (disabled) => {
      tokenDisabled = disabled;
    },
    setAckEnabled: (enabled) => {
      ackEnabled = enabled;
    },
    acks: acks.records,
    ackCounters: acks.counters,
    acknowledge: () => acks.acknowledge(),
    restartIndexers: (restart) => {
      const pending = acks.restart(restart);
      if (restart?.losePendingEvents) unindex(pending.flatMap((record) => record.events));
    },
    clear: () => {
      events.length = 0;
      seen.clear();
      faults.clear();
      acks.clear();
      ackEnabled = options.ack !== undefined;
      Object.assign(counters, emptyCounters());
    },
    close: () => server.close(),
  };
}

/** The ackIds of `{"acks":[1,2,3]}`, or undefined when the body is not that. */
function readAckQuery(raw: Buffer): number[] | undefined {
  try {
    const { acks } = JSON.parse(raw.toString('utf8')) as { acks?: unknown };
    if (!Array.isArray(acks) || !acks.every((id) => Number.isSafeInteger(id) && id >= 0)) return undefined;
    return acks as number[];
  } catch {
    return undefined;
  }
}

function emptyCounters(): HecCounters {
  return {
    requests: 0,
    eventsAccepted: 0,
    eventsRefused: 0,
    duplicates: 0,
    bytesReceived: 0,
    resets: 0,
    byStatus: {},
  };
}
