import { SluiceError } from '../../../lambda/core/errors';
import { HttpClient } from '../../../lambda/core/http/client';
import type { Authorizer } from '../../../lambda/core/sinks/auth';
import type { ApiAnswer, ApiRequest } from './api';
import { SetupCodes } from './errors';

export interface AdminConnection {
  send(request: ApiRequest): Promise<ApiAnswer>;
  close(): void;
}

/** The URL of `request` on the cluster at `base` (which may carry a path prefix, behind a proxy). */
export function requestUrl(base: string, path: string): URL {
  const url = new URL(base);
  const [pathname, query] = path.split('?', 2);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${pathname}`;
  url.search = query ? `?${query}` : '';
  return url;
}

/**
 * JSON requests to the cluster, one at a time, authenticated by `authorizer`. TLS is verified (Node's
 * defaults; NODE_EXTRA_CA_CERTS adds a private CA). Answers are returned whatever their status.
 */
export function adminConnection(base: string, authorizer: Authorizer, timeoutMs: number): AdminConnection {
  const client = new HttpClient({ maxSockets: 1 });
  return {
    async send(request) {
      const url = requestUrl(base, request.path);
      const body = request.body === undefined ? new Uint8Array() : Buffer.from(JSON.stringify(request.body));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      const auth = await authorizer.headers({ method: request.method, url, headers, body });
      const result = await client.request({
        method: request.method,
        url,
        headers: { ...headers, ...auth },
        body,
        timeoutMs,
      });
      if (!result.ok) {
        throw new SluiceError(
          SetupCodes.UNREACHABLE,
          `${request.method} ${request.path}: no answer from ${url.host} (${result.error.message}). Fix: check the destination's url and the network path to it`,
          { method: request.method, path: request.path },
        );
      }
      const { status, body: text } = result.response;
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON (a proxy's page, OpenSearch's plain "Unauthorized"): kept as text for the message.
      }
      return { status, body: parsed };
    },
    close: () => client.close(),
  };
}
