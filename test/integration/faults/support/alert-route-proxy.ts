import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { seededRandom } from '../../../../bench/data/random';
import { readRaw } from '../../../support/receivers/server';
import { drawFault, listenProxy, passAnswer, upstreamOf } from './upstream';

/** An answer the proxy gives instead of the channel's (e.g. Slack's 429 with Retry-After). */
export interface RouteRefusal {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A request's fate:
 * - `refuse`: answered with one of the proxy's `refusals` (drawn), never forwarded: the channel did not
 *   post the alert;
 * - `reset`: the connection is destroyed before forwarding (nothing posted);
 * - `lost`: forwarded, the channel posts the alert, then the connection is destroyed instead of
 *   answering: the only way a channel without deduplication (Slack, a webhook) can receive an alert
 *   twice, since the sender must try again.
 * A `RouteRefusal` from `decide` is answered as it is (e.g. a permanent 422 for one alert).
 */
export type RouteFault = 'pass' | 'refuse' | 'reset' | 'lost';

export interface AlertRouteProxyOptions {
  /** The channel's receiver (its base URL: request paths are kept). */
  readonly target: string;
  readonly seed: number;
  /** What identifies the alert event a request carries (e.g. a webhook body's `eventId`). */
  readonly identify: (body: string) => string;
  readonly probabilities?: Partial<Record<Exclude<RouteFault, 'pass'>, number>>;
  /** The fates of the first requests, in order (so each fault surely happens); then the draw. Default: none. */
  readonly first?: readonly RouteFault[];
  /** The refusals `refuse` draws from. */
  readonly refusals?: readonly RouteRefusal[];
  /**
   * Every `every`-th alert (by first request) is doomed: its first `requests` requests get `fault`,
   * more than the sender's attempts, so the route fails the alert and a later invocation sends it
   * again. Default: none.
   */
  readonly doom?: { readonly every: number; readonly requests: number; readonly fault: 'refuse' | 'reset' };
  /** Decides a request's fate from its alert (and body) first; `undefined` falls back to the draw. */
  readonly decide?: (identity: string, body: string) => RouteFault | RouteRefusal | undefined;
}

export interface AlertRouteBooks {
  requests: number;
  byFault: Record<RouteFault | 'decided', number>;
  /** Alerts doomed (see `doom`), and requests answered with their doom. */
  doomedAlerts: number;
  doomedRequests: number;
  /** Refusals answered, by HTTP status. */
  refusedWith: Record<number, number>;
  /**
   * Requests for an alert that came on the connection its last refusal was answered on, before that
   * refusal's Retry-After had passed: a sender that did not wait. (A request on another connection
   * may come from another invocation that never saw the refusal: not counted.)
   */
  earlyRetries: number;
}

export interface AlertRouteProxy {
  readonly url: string;
  readonly books: AlertRouteBooks;
  /** Per alert identity: requests the channel answered 2xx whose answer never reached the sender. */
  readonly lost: ReadonlyMap<string, number>;
  /** Per alert identity: requests the proxy let through to the channel. */
  readonly forwarded: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** Node's timers may fire a millisecond early; the sender's wait is measured here, not by it. */
const TIMER_TOLERANCE_MS = 10;

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * A fault-injecting proxy in front of an alert channel's receiver (Slack, PagerDuty, a webhook): each
 * request draws its fate from a seeded random; the books say which alerts reached the channel with
 * their answer lost (the only legitimate cause of a duplicate where the channel has no deduplication)
 * and whether the sender ever came back before a Retry-After it was given.
 */
export async function startAlertRouteProxy(options: AlertRouteProxyOptions): Promise<AlertRouteProxy> {
  const random = seededRandom(options.seed);
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const books: AlertRouteBooks = {
    requests: 0,
    byFault: { pass: 0, refuse: 0, reset: 0, lost: 0, decided: 0 },
    refusedWith: {},
    doomedAlerts: 0,
    doomedRequests: 0,
    earlyRetries: 0,
  };
  const lost = new Map<string, number>();
  const forwarded = new Map<string, number>();
  /** Per alert: requests so far, and whether it is doomed. */
  const seen = new Map<string, { requests: number; readonly doomed: boolean }>();
  /** Per alert: not before this epoch ms on this connection (the Retry-After of its last refusal). */
  const notBefore = new Map<string, { readonly until: number; readonly socket: Socket }>();

  const first = [...(options.first ?? [])];
  const draw = (): RouteFault => {
    const programmed = first.shift();
    if (programmed !== undefined) return programmed;
    return drawFault(random.next(), ['refuse', 'reset', 'lost'], options.probabilities);
  };

  const forward = upstreamOf(target, agent);

  const refuse = (req: IncomingMessage, res: ServerResponse, identity: string, refusal: RouteRefusal) => {
    books.refusedWith[refusal.status] = (books.refusedWith[refusal.status] ?? 0) + 1;
    const retryAfter = Number(refusal.headers?.['retry-after']);
    if (Number.isFinite(retryAfter))
      notBefore.set(identity, { until: Date.now() + retryAfter * 1000, socket: req.socket });
    res.writeHead(refusal.status, {
      'content-length': String(Buffer.byteLength(refusal.body)),
      ...refusal.headers,
    });
    res.end(refusal.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    books.requests += 1;
    const body = await readRaw(req);
    const text = body.toString('utf8');
    const identity = options.identify(text);
    const wait = notBefore.get(identity);
    if (wait && wait.socket === req.socket && Date.now() + TIMER_TOLERANCE_MS < wait.until)
      books.earlyRetries += 1;
    notBefore.delete(identity);
    let alert = seen.get(identity);
    if (!alert) {
      const doomed = options.doom !== undefined && (seen.size + 1) % options.doom.every === 0;
      if (doomed) books.doomedAlerts += 1;
      alert = { requests: 0, doomed };
      seen.set(identity, alert);
    }
    alert.requests += 1;
    const doomedNow = alert.doomed && alert.requests <= options.doom!.requests;
    if (doomedNow) books.doomedRequests += 1;
    const decided = doomedNow ? options.doom!.fault : options.decide?.(identity, text);
    if (decided !== undefined && typeof decided === 'object') {
      books.byFault.decided += 1;
      refuse(req, res, identity, decided);
      return;
    }
    const fault = decided ?? draw();
    books.byFault[fault] += 1;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'refuse') {
      const refusals = options.refusals ?? [];
      if (refusals.length === 0) throw new Error('a refusal was drawn but none is configured');
      // Each refusal once first, in order (so each surely happens), then drawn.
      const drawn =
        books.byFault.refuse <= refusals.length ? refusals[books.byFault.refuse - 1] : random.pick(refusals);
      refuse(req, res, identity, drawn);
      return;
    }
    bump(forwarded, identity);
    const answer = await forward(req, body);
    const accepted = answer.status >= 200 && answer.status < 300;
    // A sender that gave up meanwhile (its request timeout) never reads the answer either.
    if (fault === 'lost' || req.socket.destroyed) {
      if (accepted) bump(lost, identity);
      req.socket.destroy();
      return;
    }
    passAnswer(res, answer);
  };

  const server = await listenProxy('alert route proxy', handle, { agent });
  return {
    url: server.url,
    books,
    lost,
    forwarded,
    close: server.close,
  };
}
