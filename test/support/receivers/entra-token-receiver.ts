import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FaultSchedule,
  delay,
  readRaw,
  resetConnection,
  sendJson,
  startLoopbackServer,
  type LoopbackServer,
} from './server';

/** Azure's clock, shared by the token endpoint and the APIs that check its tokens; tests move it on. */
export interface AzureClock {
  now(): number;
  /** Azure's time runs `ms` ahead of this machine's from now on (token expiry, clock skew). */
  advance(ms: number): void;
}

export function azureClock(): AzureClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** What an API that accepts Entra ID tokens learns from one. */
export type TokenVerdict =
  | { readonly ok: true; readonly appId: string; readonly tenantId: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'signature' | 'audience' | 'expired' };

export interface TokenVerifier {
  verify(token: string, audience: string): TokenVerdict;
}

/** `busy`: 503 temporarily_unavailable; `throttle`: 429; `reset`; `{ delayMs }`; or a verbatim answer. */
export type TokenFault =
  | 'ok'
  | 'busy'
  | 'throttle'
  | 'reset'
  | { readonly delayMs: number }
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export interface EntraTokenReceiverOptions {
  readonly tenantId: string;
  readonly clientId: string;
  /** The client secret's value. */
  readonly clientSecret: string;
  /** More app registrations in the tenant: client id → secret value. Default: none. */
  readonly otherApps?: Readonly<Record<string, string>>;
  /** Resources a client-credentials token may be asked for. Default: `https://monitor.azure.com`. */
  readonly resources?: readonly string[];
  /** Token lifetime in seconds (Entra ID: 3599, sometimes up to ~5400). Default: 3599. */
  readonly expiresInSeconds?: number;
  readonly clock?: AzureClock;
  readonly faults?: readonly TokenFault[];
}

export interface EntraTokenReceiver {
  /** The authority host: `<url>/<tenant>/oauth2/v2.0/token` is the token endpoint. */
  readonly url: string;
  readonly verifier: TokenVerifier;
  readonly counters: { requests: number; issued: number; refused: number; byStatus: Record<number, number> };
  injectFaults(...faults: TokenFault[]): void;
  /** Rotates the client secret: the old value is refused from now on. */
  setClientSecret(secret: string): void;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * Starts a local Entra ID v2.0 token endpoint for the client-credentials grant: it checks the tenant,
 * grant, client, secret and scope in Entra's order and refuses like Entra (`{"error","error_description":
 * "AADSTS…","error_codes",…}`, 401 `invalid_client` for a wrong secret), and issues signed JWTs that
 * `verifier` checks (audience, signature, expiry on the shared clock).
 */
export async function startEntraTokenReceiver(
  options: EntraTokenReceiverOptions,
): Promise<EntraTokenReceiver> {
  const clock = options.clock ?? azureClock();
  const resources = new Set(options.resources ?? ['https://monitor.azure.com']);
  const signingKey = randomBytes(32);
  const faults = new FaultSchedule<TokenFault>(options.faults);
  const counters = { requests: 0, issued: 0, refused: 0, byStatus: {} as Record<number, number> };
  const apps = new Map([
    ...Object.entries(options.otherApps ?? {}),
    [options.clientId, options.clientSecret],
  ]);

  const answer = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    sendJson(res, status, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', ...headers });
  };

  /** Entra's error body: the description starts with the AADSTS code and ends with the request's ids. */
  const refuse = (res: ServerResponse, status: number, error: string, code: number, text: string) => {
    counters.refused += 1;
    const timestamp = `${new Date(clock.now()).toISOString().slice(0, 19).replace('T', ' ')}Z`;
    const traceId = randomUUID();
    const correlationId = randomUUID();
    answer(res, status, {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    });
  };

  const sign = (claims: Record<string, unknown>): string => {
    const head = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'sluice-test' }))}.${b64url(JSON.stringify(claims))}`;
    return `${head}.${b64url(createHmac('sha256', signingKey).update(head).digest())}`;
  };

  const verifier: TokenVerifier = {
    verify(token, audience) {
      const parts = token.split('.');
      if (parts.length !== 3) return { ok: false, reason: 'malformed' };
      const expected = createHmac('sha256', signingKey).update(`${parts[0]}.${parts[1]}`).digest();
      const given = Buffer.from(parts[2], 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'signature' };
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as {
        aud: string;
        exp: number;
        nbf: number;
        appid: string;
        tid: string;
      };
      if (claims.aud !== audience) return { ok: false, reason: 'audience' };
      const seconds = clock.now() / 1000;
      // Azure allows five minutes of clock skew on both ends.
      if (seconds >= claims.exp + 300 || seconds < claims.nbf - 300) return { ok: false, reason: 'expired' };
      return { ok: true, appId: claims.appid, tenantId: claims.tid };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const raw = await readRaw(req);
    const fault = faults.next([]);
    if (fault === 'reset') return resetConnection(req);
    if (fault === 'busy') {
      return refuse(
        res,
        503,
        'temporarily_unavailable',
        90033,
        'A transient error has occurred. Please try again.',
      );
    }
    if (fault === 'throttle') {
      counters.refused += 1;
      return answer(
        res,
        429,
        { error: 'too_many_requests', error_description: 'Too many requests.' },
        {
          'retry-after': '1',
        },
      );
    }
    if (typeof fault === 'object' && 'status' in fault)
      return answer(res, fault.status, fault.body, fault.headers);
    if (typeof fault === 'object' && 'delayMs' in fault) await delay(fault.delayMs);

    const path = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec((req.url ?? '').split('?')[0]);
    if (req.method !== 'POST' || !path) return answer(res, 404, { error: 'not_found' });
    const tenant = decodeURIComponent(path[1]);
    if (tenant !== options.tenantId) {
      return refuse(
        res,
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const form = new URLSearchParams(
      String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
        ? raw.toString('utf8')
        : '',
    );
    const missing = ['grant_type', 'client_id', 'scope'].find((name) => !form.get(name));
    if (missing) {
      return refuse(
        res,
        400,
        'invalid_request',
        900144,
        `The request body must contain the following parameter: '${missing}'.`,
      );
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return refuse(
        res,
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    }
    const clientId = form.get('client_id') as string;
    const appSecret = apps.get(clientId);
    if (appSecret === undefined) {
      return refuse(
        res,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
      );
    }
    if (form.get('client_secret') !== appSecret) {
      return refuse(
        res,
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    const scope = form.get('scope') as string;
    if (!scope.endsWith('/.default')) {
      return refuse(
        res,
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    // `https://monitor.azure.com//.default` (Microsoft's examples and SDKs) names the same resource.
    const resource = scope.slice(0, -'/.default'.length).replace(/\/$/, '');
    if (!resources.has(resource)) {
      return refuse(
        res,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenant}.`,
      );
    }
    const expiresIn = options.expiresInSeconds ?? 3599;
    const issuedAt = Math.floor(clock.now() / 1000);
    counters.issued += 1;
    answer(res, 200, {
      token_type: 'Bearer',
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: sign({
        aud: resource,
        iss: `https://sts.windows.net/${tenant}/`,
        iat: issuedAt,
        nbf: issuedAt,
        exp: issuedAt + expiresIn,
        appid: clientId,
        tid: tenant,
        jti: randomUUID(),
      }),
    });
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  return {
    url: server.url,
    verifier,
    counters,
    injectFaults: (...more) => faults.push(...more),
    setClientSecret: (secret) => {
      apps.set(options.clientId, secret);
    },
    close: () => server.close(),
  };
}
