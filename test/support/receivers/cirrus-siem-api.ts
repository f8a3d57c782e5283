import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSchedule, readRaw, sendJson, startLoopbackServer } from './server';

/** A Cirrus SIEM log entry: `timestamp` (ISO 8601 UTC) and the fields the filters match on. */
export type CirrusEvent = { readonly timestamp: string } & Readonly<Record<string, string>>;

export type CirrusFault =
  | { readonly kind: 'throttle'; readonly retryAfter: string }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'unauthorized' };

export interface CirrusApiOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** `angle`: `<url>; rel="next"` (RFC 8288); `bare`: `url; rel="next"`, the form the example client parses. */
  readonly linkStyle?: 'angle' | 'bare';
}

export interface CirrusRequest {
  readonly method: string;
  readonly params: URLSearchParams;
  readonly status: number;
}

export interface CirrusApi {
  readonly url: string;
  /** Appends events (the API's order is arrival order). */
  add(...events: CirrusEvent[]): void;
  readonly requests: readonly CirrusRequest[];
  readonly faults: FaultSchedule<CirrusFault>;
  close(): Promise<void>;
}

const FILTERS = ['tenant', 'service', 'metrictype', 'metricsubtype', 'clientip', 'correlationid', 'user'];
const MAX_LIMIT = 1000;

/**
 * A local Cirrus Identity SIEM API, answering as its example client expects: `POST` with HTTP Basic
 * (API key, secret); `limit` (at most 1,000), `since`/`until` bounds on `timestamp` (inclusive),
 * `orgUrl` and exact-match filters; a JSON array of entries; a `Link: …; rel="next"` header whose URL
 * holds an `after` position and none of the request's other parameters (it was a POST), present on
 * every page that returned entries, the last short one included.
 */
export async function startCirrusSiemApi(options: CirrusApiOptions): Promise<CirrusApi> {
  const events: { seq: number; event: CirrusEvent }[] = [];
  const requests: CirrusRequest[] = [];
  const faults = new FaultSchedule<CirrusFault>();
  const expected = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    params: URLSearchParams,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    requests.push({ method: req.method ?? '', params, status });
    sendJson(res, status, body, headers);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readRaw(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = url.searchParams;
    if (req.method !== 'POST') return answer(req, res, params, 405, { message: 'Method Not Allowed' });
    if (req.headers.authorization !== expected)
      return answer(req, res, params, 401, { message: 'Unauthorized' });
    const fault = faults.next([]);
    if (fault?.kind === 'throttle') {
      return answer(
        req,
        res,
        params,
        429,
        { message: 'Too Many Requests' },
        { 'retry-after': fault.retryAfter },
      );
    }
    if (fault?.kind === 'unavailable')
      return answer(req, res, params, 503, { message: 'Service Unavailable' });
    if (fault?.kind === 'unauthorized') return answer(req, res, params, 401, { message: 'Unauthorized' });
    if (fault?.kind === 'malformed')
      return answer(req, res, params, 200, { message: 'Internal server error' });

    const limit = Math.min(Number(params.get('limit') ?? MAX_LIMIT), MAX_LIMIT);
    const since = params.has('since') ? Date.parse(params.get('since')!) : -Infinity;
    const until = params.has('until') ? Date.parse(params.get('until')!) : Infinity;
    const after = params.has('after')
      ? Number(Buffer.from(params.get('after')!, 'base64url').toString())
      : -1;
    const matching = events.filter(({ seq, event }) => {
      const at = Date.parse(event.timestamp);
      return (
        seq > after &&
        at >= since &&
        at <= until &&
        FILTERS.every((key) => !params.has(key) || event[key] === params.get(key))
      );
    });
    const page = matching.slice(0, limit);
    const position = page.length > 0 ? page[page.length - 1].seq : after;
    const headers: Record<string, string> = {};
    if (position >= 0) {
      const link = `http://${req.headers.host}/logs/v1?after=${Buffer.from(String(position)).toString('base64url')}`;
      headers.link = options.linkStyle === 'bare' ? `${link}; rel="next"` : `<${link}>; rel="next"`;
    }
    answer(
      req,
      res,
      params,
      200,
      page.map(({ event }) => event),
      headers,
    );
  };

  const server = await startLoopbackServer(handler);
  let seq = 0;
  return {
    url: `${server.url}/logs/v1`,
    add: (...added) => {
      for (const event of added) events.push({ seq: seq++, event });
    },
    requests,
    faults,
    close: () => server.close(),
  };
}
