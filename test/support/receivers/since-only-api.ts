import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRaw, sendJson, startLoopbackServer } from './server';

/** An event of the API: `time` RFC 3339 with milliseconds, `id` unique. */
export interface SinceOnlyEvent {
  readonly id: string;
  readonly time: string;
}

export interface SinceOnlyApi {
  readonly url: string;
  readonly events: SinceOnlyEvent[];
  /** Every request's query parameters, in order. */
  readonly requests: readonly URLSearchParams[];
  close(): Promise<void>;
}

/**
 * A local API with a time filter and nothing else, as many audit APIs are: `GET /events?since=<RFC
 * 3339, or epoch ms>&limit=<n>` returns the events at or after `since` (inclusive), oldest first
 * (`order=desc`: newest first), at most `min(limit, maxPerPage)` of them, with no continuation of any
 * kind (no `Link`, no cursor, no offset, no total). Ties keep the order they were added in.
 */
export async function startSinceOnlyApi(options: {
  /** The largest page, whatever `limit` asks for: the API caps it silently. */
  readonly maxPerPage: number;
  /** The order without an `order` parameter. Default: `asc`. */
  readonly defaultOrder?: 'asc' | 'desc';
  /** Called with each request's parameters before it is answered (events may be added there). */
  readonly beforeAnswer?: (params: URLSearchParams) => void;
}): Promise<SinceOnlyApi> {
  const events: SinceOnlyEvent[] = [];
  const requests: URLSearchParams[] = [];

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readRaw(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/events' || req.method !== 'GET') return sendJson(res, 404, { error: 'not found' });
    const params = url.searchParams;
    requests.push(params);
    options.beforeAnswer?.(params);
    const text = params.get('since') ?? '';
    const since = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (Number.isNaN(since)) return sendJson(res, 400, { error: 'since must be a time' });
    const size = Math.min(Number(params.get('limit') ?? options.maxPerPage), options.maxPerPage);
    const direction = (params.get('order') ?? options.defaultOrder) === 'desc' ? -1 : 1;
    const page = events
      .map((event, index) => ({ event, index, at: Date.parse(event.time) }))
      .filter(({ at }) => at >= since)
      .sort((a, b) => (a.at - b.at || a.index - b.index) * direction)
      .slice(0, size)
      .map(({ event }) => event);
    sendJson(res, 200, { events: page });
  };

  const server = await startLoopbackServer(handler, 'since-only-api');
  return { url: `${server.url}/events`, events, requests, close: () => server.close() };
}
