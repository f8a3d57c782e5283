import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRaw, sendJson, startLoopbackServer } from './server';

/** An event of the API: `time` RFC 3339 with milliseconds, `id` unique. */
export interface PollingEvent {
  readonly id: string;
  readonly time: string;
}

export interface PollingCursorApi {
  readonly url: string;
  /** Append only, oldest first (the API's log). */
  readonly events: PollingEvent[];
  /** Every request's query parameters, in order. */
  readonly requests: readonly URLSearchParams[];
  close(): Promise<void>;
}

/**
 * A local API paged by a polling cursor, as Okta's System Log pages its polling queries: `GET
 * /logs?since=<RFC 3339>&limit=<n>` or `GET /logs?cursor=<opaque>&limit=<n>` answers `{"events":
 * […], "next": "<cursor>"}`, oldest first, at most `min(limit, maxPerPage)` events, and a `next`
 * cursor on EVERY page, empty or not, each one new (it carries a serial number). Following the
 * cursor of an empty page later returns the events added since. Cursors stay valid for ever.
 *
 * A client that follows every new cursor would poll for ever; so that such a client ends (and a test
 * of it fails on its request count rather than hanging), the API stops giving a cursor after
 * `maxEmptyPolls` empty pages in a row.
 */
export async function startPollingCursorApi(options: {
  /** The largest page, whatever `limit` asks for. */
  readonly maxPerPage: number;
  /** Default: 50. */
  readonly maxEmptyPolls?: number;
}): Promise<PollingCursorApi> {
  const events: PollingEvent[] = [];
  const requests: URLSearchParams[] = [];
  const maxEmptyPolls = options.maxEmptyPolls ?? 50;
  let serial = 0;
  let emptyInARow = 0;
  const cursorOf = (position: number) =>
    Buffer.from(JSON.stringify({ position, serial: ++serial })).toString('base64url');
  const positionOf = (cursor: string): number | undefined => {
    try {
      const { position } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
        position?: unknown;
      };
      return typeof position === 'number' ? position : undefined;
    } catch {
      return undefined;
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readRaw(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/logs' || req.method !== 'GET') return sendJson(res, 404, { error: 'not found' });
    const params = url.searchParams;
    requests.push(params);
    const cursor = params.get('cursor');
    let start: number | undefined;
    if (cursor !== null) {
      start = positionOf(cursor);
      if (start === undefined) return sendJson(res, 400, { error: 'unknown cursor' });
    } else {
      const since = Date.parse(params.get('since') ?? '');
      if (Number.isNaN(since)) return sendJson(res, 400, { error: 'since must be a time' });
      start = events.findIndex((event) => Date.parse(event.time) >= since);
      if (start < 0) start = events.length;
    }
    const size = Math.min(Number(params.get('limit') ?? options.maxPerPage), options.maxPerPage);
    const page = events.slice(start, start + size);
    emptyInARow = page.length === 0 ? emptyInARow + 1 : 0;
    const next = emptyInARow >= maxEmptyPolls ? undefined : cursorOf(start + page.length);
    sendJson(res, 200, { events: page, ...(next !== undefined ? { next } : {}) });
  };

  const server = await startLoopbackServer(handler, 'polling-cursor-api');
  return { url: `${server.url}/logs`, events, requests, close: () => server.close() };
}
