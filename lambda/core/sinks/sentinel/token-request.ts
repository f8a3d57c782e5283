import type { HttpTransport } from '../../http/client';
import { excerpt, parseJsonBody } from '../classification';

export interface ClientCredentialsRequest {
  readonly url: URL;
  readonly clientId: string;
  readonly scope: string;
}

/** What Entra ID answered a client-credentials request. Neither variant holds the client secret. */
export type TokenAnswer =
  | { readonly kind: 'granted'; readonly accessToken: string; readonly expiresInMs: number }
  /** 4xx (or 3xx): the credentials, the app or the tenant are wrong; `error` is OAuth's (`invalid_client`…). */
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly error: string;
      readonly description: string;
    }
  /** No answer, 429, 5xx, or an answer that is not a token: worth another attempt later. */
  | { readonly kind: 'unavailable'; readonly description: string };

interface OAuthAnswer {
  readonly access_token?: unknown;
  readonly token_type?: unknown;
  readonly expires_in?: unknown;
  readonly error?: unknown;
  readonly error_description?: unknown;
}

/**
 * An AADSTS description's first sentence: the trace and correlation ids and timestamp that follow
 * it identify the request, not the problem.
 */
function firstPart(description: string): string {
  const cut = description.search(/\r?\n|\s+Trace ID:/);
  return excerpt(cut === -1 ? description : description.slice(0, cut), 300);
}

/**
 * `POST <authority>/<tenant>/oauth2/v2.0/token` with the client-credentials grant (RFC 6749 §4.4),
 * form-encoded as Entra ID requires. The secret travels in the body only; it is never part of what
 * this returns, so it cannot reach a message or a log line.
 */
export async function requestToken(
  transport: HttpTransport,
  request: ClientCredentialsRequest,
  clientSecret: string,
  timeoutMs: number,
): Promise<TokenAnswer> {
  const form = new URLSearchParams({
    client_id: request.clientId,
    client_secret: clientSecret,
    grant_type: 'client_credentials',
    scope: request.scope,
  });
  const result = await transport.request({
    method: 'POST',
    url: request.url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      host: request.url.host,
    },
    body: Buffer.from(form.toString(), 'utf8'),
    timeoutMs,
  });
  if (!result.ok) return { kind: 'unavailable', description: result.error.message };
  const { status, body } = result.response;
  const answer = (parseJsonBody(body) ?? {}) as OAuthAnswer;
  if (status >= 200 && status < 300) {
    // v2.0 answers expires_in as a number, v1.0 as a string: both mean seconds.
    const expiresIn = Number(answer.expires_in);
    if (typeof answer.access_token === 'string' && answer.access_token !== '' && expiresIn > 0) {
      return { kind: 'granted', accessToken: answer.access_token, expiresInMs: expiresIn * 1000 };
    }
    return { kind: 'unavailable', description: `HTTP ${status} without an access token and its expiry` };
  }
  const error = typeof answer.error === 'string' ? answer.error : '';
  const description =
    typeof answer.error_description === 'string' ? firstPart(answer.error_description) : excerpt(body);
  const summary = `HTTP ${status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`;
  if (status === 408 || status === 429 || status >= 500) return { kind: 'unavailable', description: summary };
  // 4xx, and 1xx/3xx (redirects are not followed: a wrong authorityHost) will not change by waiting.
  return { kind: 'refused', status, error, description: summary };
}
