import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { seededRandom } from '../../../../bench/data/random';
import { recordMarker } from '../../../../bench/data/strongdm';
import { readRaw } from '../../../support/receivers/server';
import { drawFault, listenProxy, passAnswer, upstreamOf } from './upstream';

/**
 * A fault-injecting HTTP proxy in front of a local receiver (HEC, `_bulk` or Logs Ingestion). It decides each
 * request's fate with a seeded random draw and keeps the books the fault scenarios need: above all,
 * which records reached the receiver while their answer never reached the forwarder ("lost
 * answers"), the only legitimate source of Splunk duplicates.
 *
 * Faults, per request:
 * - `busy`: answered 503 without forwarding (HEC `{"text":"Server is busy","code":9}`,
 *   Elasticsearch's `unavailable_shards_exception`, or Azure's `ServiceUnavailable`);
 * - `reset`: the connection is destroyed before forwarding (nothing indexed);
 * - `lost`: forwarded, indexed, then the connection is destroyed instead of answering;
 * - `slow`: forwarded, and the answer held back for `slowMs` (a client that gives up meanwhile
 *   loses the answer: counted as lost).
 * In `down` mode every connection is destroyed on arrival, like a cluster that is unreachable.
 */
export type Fault = 'pass' | 'busy' | 'reset' | 'lost' | 'slow';

/** The receiver's protocol: how records travel in a request body. */
export type ProxiedKind = 'hec' | 'bulk' | 'sentinel';

/**
 * A connection closed this soon after an answer, with no request since, may not have read it: the
 * forwarder's deadline destroys a request whose answer was on its way. The proxy shares the event loop
 * with the forwarder, so under load the close is processed late (a 250 ms window missed answers cut by
 * the deadline, and their resends read as unexplained duplicates). Below the server's keep-alive
 * timeout (5 s), so an idle connection closed by the server never counts.
 */
const ANSWER_READ_GRACE_MS = 3_000;

export interface FaultProxyOptions {
  /** Receiver base URL. */
  readonly target: string;
  readonly kind: ProxiedKind;
  readonly seed: number;
  /** Probability of each fault per request (the rest pass). */
  readonly probabilities?: Partial<Record<Exclude<Fault, 'pass'>, number>>;
  /** How long a `slow` answer is held. Default 300 ms. */
  readonly slowMs?: number;
  /** Hold every answer this long (a slow cluster). Default 0. */
  readonly delayMs?: number;
  /** Decides the fault of a request from the records it carries; `undefined` falls back to the draw. */
  readonly decide?: (markers: readonly string[]) => Fault | undefined;
  /** What identifies a record in the books. Default: `recordMarker` (generated StrongDM records). */
  readonly marker?: (record: Record<string, unknown>) => string;
}

export interface ProxyCounters {
  requests: number;
  byFault: Record<Fault | 'down', number>;
  /** Records whose request was indexed but whose answer the forwarder never received. */
  lostRecords: number;
  /** Records forwarded to the receiver (whatever it answered). */
  forwardedRecords: number;
}

/** HEC ackIds answered `true` in an answer of the ack endpoint that never reached the forwarder. */
export interface LostAcknowledgement {
  readonly channel: string;
  readonly ackIds: readonly number[];
}

export interface FaultProxy {
  readonly url: string;
  readonly counters: ProxyCounters;
  /** Markers (see recordMarker) of records in lost answers, with how many times each was lost. */
  readonly lostMarkers: ReadonlyMap<string, number>;
  /**
   * HEC indexer acknowledgement: `true` statuses lost with their answer (HEC forgets an ackId once it
   * has answered `true`, so those events are resent after the ack timeout).
   */
  readonly lostAcknowledgements: readonly LostAcknowledgement[];
  /** Markers of every record forwarded to the receiver. */
  readonly forwardedMarkers: ReadonlySet<string>;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** The HEC ack endpoint: its requests carry ackIds, not records. */
function isAckQuery(req: IncomingMessage): boolean {
  return (req.url ?? '').split('?')[0].replace(/\/+$/, '').endsWith('/services/collector/ack');
}

/** The ackIds an ack answer said `true` for (the channel is the request's). */
function acknowledgedIn(req: IncomingMessage, answer: { status: number; body: Buffer }): LostAcknowledgement {
  const channel = String(req.headers['x-splunk-request-channel'] ?? '');
  if (answer.status !== 200) return { channel, ackIds: [] };
  try {
    const { acks } = JSON.parse(answer.body.toString('utf8')) as { acks?: Record<string, boolean> };
    const ackIds = Object.entries(acks ?? {})
      .filter(([, value]) => value === true)
      .map(([id]) => Number(id));
    return { channel, ackIds };
  } catch {
    return { channel, ackIds: [] };
  }
}

/** Markers of the records in a request body (HEC envelopes, `_bulk` action/source pairs, or a JSON array). */
function markersOf(
  kind: ProxiedKind,
  raw: Buffer,
  encoding: string | undefined,
  marker: (record: Record<string, unknown>) => string,
): string[] {
  const text = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  if (kind === 'sentinel') return (JSON.parse(text) as Record<string, unknown>[]).map(marker);
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const markers: string[] = [];
  for (let index = kind === 'bulk' ? 1 : 0; index < lines.length; index += kind === 'bulk' ? 2 : 1) {
    const value = JSON.parse(lines[index]) as Record<string, unknown>;
    markers.push(marker((kind === 'hec' ? value.event : value) as Record<string, unknown>));
  }
  return markers;
}

function busyAnswer(kind: ProxiedKind): string {
  if (kind === 'sentinel') {
    return JSON.stringify({
      error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
    });
  }
  return kind === 'hec'
    ? JSON.stringify({ text: 'Server is busy', code: 9 })
    : JSON.stringify({
        error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
        status: 503,
      });
}

/**
 * The records a receiver indexed according to its answer: all of them on 2xx; on a HEC 400 naming
 * `invalid-event-number` N, the N events before it (HEC indexes those and drops the rest).
 */
function indexedMarkers(
  kind: ProxiedKind,
  answer: { status: number; body: Buffer },
  markers: readonly string[],
): readonly string[] {
  if (answer.status >= 200 && answer.status < 300) return markers;
  if (kind !== 'hec' || answer.status !== 400) return [];
  try {
    const invalid = (JSON.parse(answer.body.toString('utf8')) as { 'invalid-event-number'?: unknown })[
      'invalid-event-number'
    ];
    return typeof invalid === 'number' ? markers.slice(0, invalid) : [];
  } catch {
    return [];
  }
}

interface AnswerContent {
  readonly markers: readonly string[];
  readonly acknowledged?: LostAcknowledgement;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed);
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const lostMarkers = new Map<string, number>();
  const lostAcknowledgements: LostAcknowledgement[] = [];
  const forwardedMarkers = new Set<string>();
  const counters: ProxyCounters = {
    requests: 0,
    byFault: { pass: 0, busy: 0, reset: 0, lost: 0, slow: 0, down: 0 },
    lostRecords: 0,
    forwardedRecords: 0,
  };
  // Answers written but not known to have been read: the client may abort (its deadline) after the
  // answer left but before it read it. An answer is read once the client sends its next request on
  // the connection; if the connection closes first, shortly after, the answer counts as lost.
  const unconfirmed = new Map<Socket, AnswerContent>();
  let down = false;

  const draw = (): Fault => {
    return drawFault(random.next(), ['busy', 'reset', 'lost', 'slow'], options.probabilities);
  };

  const forward = upstreamOf(target, agent);

  const loseAnswer = ({ markers, acknowledged }: AnswerContent) => {
    if (acknowledged && acknowledged.ackIds.length > 0) lostAcknowledgements.push(acknowledged);
    if (markers.length === 0) return;
    counters.lostRecords += markers.length;
    for (const marker of markers) lostMarkers.set(marker, (lostMarkers.get(marker) ?? 0) + 1);
  };
  /** What an answer told the forwarder: the records indexed, or the ackIds acknowledged. */
  const contentOf = (
    req: IncomingMessage,
    answer: { status: number; body: Buffer },
    markers: readonly string[],
  ): AnswerContent =>
    isAckQuery(req)
      ? { markers: [], acknowledged: acknowledgedIn(req, answer) }
      : { markers: indexedMarkers(options.kind, answer, markers) };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    unconfirmed.delete(req.socket);
    if (down) {
      counters.byFault.down += 1;
      req.socket.destroy();
      return;
    }
    const body = await readRaw(req);
    const markers =
      req.method === 'POST' && !isAckQuery(req)
        ? markersOf(options.kind, body, req.headers['content-encoding'], options.marker ?? recordMarker)
        : [];
    const fault = options.decide?.(markers) ?? draw();
    counters.byFault[fault] += 1;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'busy') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(busyAnswer(options.kind));
      return;
    }
    counters.forwardedRecords += markers.length;
    for (const marker of markers) forwardedMarkers.add(marker);
    const answer = await forward(req, body);
    const holdMs = (options.delayMs ?? 0) + (fault === 'slow' ? (options.slowMs ?? 300) : 0);
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    if (fault === 'lost' || req.socket.destroyed || res.destroyed) {
      loseAnswer(contentOf(req, answer, markers));
      req.socket.destroy();
      return;
    }
    passAnswer(res, answer);
    const socket = req.socket;
    const indexed = contentOf(req, answer, markers);
    unconfirmed.set(socket, indexed);
    setTimeout(() => {
      if (unconfirmed.get(socket) === indexed) unconfirmed.delete(socket);
    }, ANSWER_READ_GRACE_MS).unref();
  };

  const server = await listenProxy('fault proxy', handle, {
    agent,
    onSocketClose: (socket) => {
      const lost = unconfirmed.get(socket);
      unconfirmed.delete(socket);
      if (lost) loseAnswer(lost);
    },
  });
  return {
    url: server.url,
    counters,
    lostMarkers,
    lostAcknowledgements,
    forwardedMarkers,
    setDown: (value) => {
      down = value;
      // Keep-alive connections opened while up must not outlive the outage.
      if (down) for (const socket of server.sockets) socket.destroy();
    },
    close: server.close,
  };
}
