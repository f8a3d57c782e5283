import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSchedule, readRaw, sendJson, startLoopbackServer } from './server';

/** The LogWrapper shape of seed 000: `time`, `level`, `msg`, and the audit `message`. */
export interface StellarbridgeEvent {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly message: Readonly<Record<string, unknown>> & { readonly timestamp?: string };
}

export type StellarbridgeFault =
  { readonly kind: 'throttle'; readonly retryAfter: string } | { readonly kind: 'malformed' };

export interface StellarbridgeApiOptions {
  /** The login body that is accepted, e.g. `{"email": "...", "password": "..."}`. */
  readonly credentials: Readonly<Record<string, string>>;
  /** Session lifetime the server enforces. */
  readonly sessionSeconds?: number;
  /** The cookie's Max-Age as announced (default: the session lifetime). */
  readonly announcedMaxAge?: number;
}

export interface StellarbridgeApi {
  readonly url: string;
  readonly events: StellarbridgeEvent[];
  readonly faults: FaultSchedule<StellarbridgeFault>;
  /** Logins accepted so far. */
  readonly logins: number;
  /** Event requests, with the status each got. */
  readonly eventRequests: readonly number[];
  /** Ends every session now (the next events request with the old cookie gets 401). */
  expireSessions(): void;
  close(): Promise<void>;
}

export const STELLARBRIDGE_EVENTS = '/api/v1/dashboard/organization/get-events-in-org';
export const STELLARBRIDGE_LOGIN = '/api/v1/auth/login-handler';

/**
 * A local Stellarbridge: `POST /api/v1/auth/login-handler` with the JSON credentials sets the HttpOnly
 * `stellarbridge` session cookie; `GET …/get-events-in-org` with a live cookie answers
 * `{"data": [LogWrapper…]}`, and 401 without one or once it expired.
 */
export async function startStellarbridgeApi(options: StellarbridgeApiOptions): Promise<StellarbridgeApi> {
  const sessions = new Map<string, number>();
  const events: StellarbridgeEvent[] = [];
  const eventRequests: number[] = [];
  const faults = new FaultSchedule<StellarbridgeFault>();
  const lifetime = options.sessionSeconds ?? 3600;
  let logins = 0;

  const cookieOf = (req: IncomingMessage): string | undefined =>
    /(?:^|;\s*)stellarbridge=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = (await readRaw(req)).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === STELLARBRIDGE_LOGIN && req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, { error: 'bad request' });
      }
      if (JSON.stringify(body) !== JSON.stringify(options.credentials)) {
        return sendJson(res, 401, { error: 'invalid credentials' });
      }
      const token = randomBytes(24).toString('base64url');
      sessions.set(token, Date.now() + lifetime * 1000);
      logins += 1;
      const maxAge = options.announcedMaxAge ?? lifetime;
      return sendJson(
        res,
        200,
        { ok: true },
        {
          'set-cookie': `stellarbridge=${token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAge}`,
        },
      );
    }
    if (path === STELLARBRIDGE_EVENTS && req.method === 'GET') {
      const token = cookieOf(req);
      const expiresAt = token === undefined ? undefined : sessions.get(token);
      if (expiresAt === undefined || expiresAt <= Date.now()) {
        eventRequests.push(401);
        return sendJson(res, 401, { error: 'unauthorized' });
      }
      const fault = faults.next([]);
      if (fault?.kind === 'throttle') {
        eventRequests.push(429);
        return sendJson(res, 429, { error: 'too many requests' }, { 'retry-after': fault.retryAfter });
      }
      if (fault?.kind === 'malformed') {
        eventRequests.push(200);
        return sendJson(res, 200, '{"data": [{"time": "2025-09-09T13:30:00Z"');
      }
      eventRequests.push(200);
      return sendJson(res, 200, { data: events });
    }
    sendJson(res, 404, { error: 'not found' });
  };

  const server = await startLoopbackServer(handler);
  return {
    url: server.url,
    events,
    faults,
    get logins() {
      return logins;
    },
    eventRequests,
    expireSessions: () => sessions.clear(),
    close: () => server.close(),
  };
}
