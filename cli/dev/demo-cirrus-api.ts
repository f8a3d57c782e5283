import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A log entry as Cirrus Identity's SIEM API returns it. */
export type DemoCirrusEvent = { readonly timestamp: string } & Readonly<Record<string, string>>;

export interface DemoCirrusApi {
  /** `http://127.0.0.1:<port>/logs/v1`: the collector's `apiUrl`. */
  readonly url: string;
  /** The secret the collector reads: `{"apiKey", "apiSecret"}` (random per run). */
  readonly credentials: { readonly apiKey: string; readonly apiSecret: string };
  add(...events: DemoCirrusEvent[]): void;
  /** Requests answered so far. */
  readonly requests: () => number;
  close(): Promise<void>;
}

const FILTERS = ['tenant', 'service', 'metrictype', 'metricsubtype', 'clientip', 'correlationid', 'user'];

/**
 * A local stand-in for Cirrus Identity's SIEM API, for `sluice dev` only: `POST /logs/v1` with HTTP
 * Basic, `since`/`until` (inclusive) on `timestamp`, `limit` (at most 1,000), the exact-match filters,
 * a JSON array of entries, and a `Link: <…?after=…>; rel="next"` header, as the documented API and its
 * example client have them. No faults: the tests have their own (test/support/receivers).
 */
export async function startDemoCirrusApi(): Promise<DemoCirrusApi> {
  const credentials = { apiKey: 'demo', apiSecret: randomBytes(12).toString('hex') };
  const expected = `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.apiSecret}`).toString('base64')}`;
  const events: DemoCirrusEvent[] = [];
  let answered = 0;

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    answered += 1;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/logs/v1') return answer(res, 404, { message: 'Not Found' });
    if (req.method !== 'POST') return answer(res, 405, { message: 'Method Not Allowed' });
    if (req.headers.authorization !== expected) return answer(res, 401, { message: 'Unauthorized' });
    const params = url.searchParams;
    const limit = Math.min(Number(params.get('limit') ?? 1000) || 1000, 1000);
    const since = params.has('since') ? Date.parse(params.get('since')!) : -Infinity;
    const until = params.has('until') ? Date.parse(params.get('until')!) : Infinity;
    const after = params.has('after')
      ? Number(Buffer.from(params.get('after')!, 'base64url').toString())
      : -1;
    const matching = events
      .map((event, seq) => ({ event, seq }))
      .filter(({ event, seq }) => {
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
    const headers: Record<string, string> =
      position >= 0
        ? {
            link: `<http://${req.headers.host}/logs/v1?after=${Buffer.from(String(position)).toString('base64url')}>; rel="next"`,
          }
        : {};
    answer(
      res,
      200,
      page.map(({ event }) => event),
      headers,
    );
  };
  const server = createServer((req, res) => {
    // The request body ({}) is read and ignored, as the API ignores it.
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/logs/v1`,
    credentials,
    add: (...added) => events.push(...added),
    requests: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
