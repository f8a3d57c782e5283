import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSchedule, readRaw, sendJson, startLoopbackServer } from './server';

/** An audit event as GitHub's organization audit log gives it: `@timestamp` in epoch ms, `_document_id`. */
export interface AuditEvent {
  readonly '@timestamp': number;
  readonly _document_id: string;
  readonly action: string;
  readonly actor: string;
}

export type AuditFault =
  | { readonly kind: 'rate-limited' }
  | { readonly kind: 'throttle'; readonly retryAfter: string }
  | { readonly kind: 'foreign-link' };

export interface LinkPagedAuditApi {
  readonly url: string;
  readonly events: AuditEvent[];
  readonly faults: FaultSchedule<AuditFault>;
  readonly requests: readonly { readonly params: URLSearchParams; readonly status: number }[];
  close(): Promise<void>;
}

/**
 * A local audit-log API paged like GitHub's `GET /orgs/{org}/audit-log`: bearer token, `per_page`
 * (silently capped at `maxPerPage`, as GitHub caps it at 100), `phrase=created:>=<RFC 3339>`,
 * `order=asc|desc` (desc by default), and an `after` cursor in a `Link: <…>; rel="next"` header,
 * absent on the last page. Its rate limit answers 403 with `x-ratelimit-remaining: 0`, as GitHub's
 * does.
 */
export async function startLinkPagedAuditApi(options: {
  readonly token: string;
  readonly org: string;
  /** The largest page, whatever `per_page` asks for. Default: 100 (GitHub's). */
  readonly maxPerPage?: number;
}): Promise<LinkPagedAuditApi> {
  const maxPerPage = options.maxPerPage ?? 100;
  const events: AuditEvent[] = [];
  const faults = new FaultSchedule<AuditFault>();
  const requests: { params: URLSearchParams; status: number }[] = [];
  const path = `/orgs/${options.org}/audit-log`;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readRaw(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = url.searchParams;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ params, status });
      sendJson(res, status, body, headers);
    };
    if (url.pathname !== path || req.method !== 'GET') return reply(404, { message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return reply(401, { message: 'Bad credentials' });
    const fault = faults.next([]);
    if (fault?.kind === 'rate-limited') {
      return reply(
        403,
        { message: 'API rate limit exceeded' },
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)),
        },
      );
    }
    if (fault?.kind === 'throttle')
      return reply(429, { message: 'slow down' }, { 'retry-after': fault.retryAfter });

    const perPage = Math.min(Number(params.get('per_page') ?? 30), maxPerPage);
    const created = /created:>=(\S+)/.exec(params.get('phrase') ?? '');
    const since = created ? Date.parse(created[1]) : -Infinity;
    const ascending = params.get('order') === 'asc';
    const ordered = events
      .map((event, index) => ({ event, index }))
      .filter(({ event }) => event['@timestamp'] >= since)
      .sort(
        (a, b) => (a.event['@timestamp'] - b.event['@timestamp'] || a.index - b.index) * (ascending ? 1 : -1),
      );
    const after = params.get('after');
    const start = after === null ? 0 : ordered.findIndex(({ event }) => event._document_id === after) + 1;
    const page = ordered.slice(start, start + perPage);
    const headers: Record<string, string> = {};
    if (start + page.length < ordered.length) {
      const next = new URL(`http://${req.headers.host}${path}`);
      for (const [key, value] of params) if (key !== 'after') next.searchParams.set(key, value);
      next.searchParams.set('after', page[page.length - 1].event._document_id);
      if (fault?.kind === 'foreign-link') next.host = 'attacker.example';
      headers.link = `<${next.toString()}>; rel="next", <http://${req.headers.host}${path}?per_page=${perPage}>; rel="first"`;
    }
    reply(
      200,
      page.map(({ event }) => event),
      headers,
    );
  };

  const server = await startLoopbackServer(handler);
  return { url: `${server.url}${path}`, events, faults, requests, close: () => server.close() };
}
