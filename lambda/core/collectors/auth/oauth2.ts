import type { SecretSource } from '../../sinks/types';
import { CollectorCodes, CollectorError } from '../codes';
import { describeUrl, sendApiRequest, type ApiCallSettings } from '../http/request';
import type { Authenticator } from './authenticator';
import { readSecret, secretFields } from './secret-json';

export interface ClientCredentialsOptions {
  readonly tokenUrl: URL;
  /** `{"clientId": "...", "clientSecret": "..."}`. */
  readonly secret: SecretSource;
  readonly scopes: readonly string[];
  readonly audience?: string;
  /** RFC 6749 §2.3.1: HTTP Basic (`basic`, the one servers must support) or form fields (`body`). */
  readonly clientAuth: 'basic' | 'body';
  readonly api: ApiCallSettings;
}

/** Tokens are renewed this long before their `expires_in` runs out. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4): a bearer token from the token endpoint, kept
 * until shortly before it expires or until the API refuses it.
 */
export function clientCredentials(options: ClientCredentialsOptions): Authenticator {
  const now = options.api.now ?? Date.now;
  let token: { value: string; expiresAt?: number } | undefined;
  let refreshSecret = false;
  const where = describeUrl(options.tokenUrl);

  const fetchToken = async (deadline: number): Promise<{ value: string; expiresAt?: number }> => {
    const text = await readSecret(options.secret, refreshSecret);
    refreshSecret = false;
    const { clientId, clientSecret } = secretFields(text, ['clientId', 'clientSecret'], 'OAuth2 client');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (options.scopes.length > 0) form.set('scope', options.scopes.join(' '));
    if (options.audience) form.set('audience', options.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (options.clientAuth === 'basic') {
      const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    let response;
    try {
      response = await sendApiRequest(
        { method: 'POST', url: options.tokenUrl, headers, body: form.toString() },
        deadline,
        options.api,
      );
    } catch (error) {
      // invalid_client / invalid_grant / invalid_scope come as 400: credentials, not a transient fault.
      if (error instanceof CollectorError && error.code === CollectorCodes.REQUEST_REJECTED) {
        throw new CollectorError(
          CollectorCodes.AUTH_FAILED,
          `the token endpoint ${where.host}${where.path} refused the client credentials. Fix: check the OAuth2 client secret and scopes`,
          error.context,
          { cause: error },
        );
      }
      throw error;
    }
    if (response.status === 401 || response.status === 403) {
      throw new CollectorError(
        CollectorCodes.AUTH_FAILED,
        `the token endpoint ${where.host}${where.path} refused the client credentials (HTTP ${response.status}). Fix: check the OAuth2 client secret`,
        { ...where, status: response.status },
      );
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body) as typeof body;
    } catch {
      body = {};
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new CollectorError(
        CollectorCodes.AUTH_FAILED,
        `the token endpoint ${where.host}${where.path} answered without an access_token`,
        { ...where, status: response.status },
      );
    }
    const lifetime = Number(body.expires_in);
    return {
      value: body.access_token,
      expiresAt: Number.isFinite(lifetime) && lifetime > 0 ? now() + lifetime * 1000 : undefined,
    };
  };

  return {
    headers: async (deadline) => {
      if (!token || (token.expiresAt !== undefined && token.expiresAt - EXPIRY_MARGIN_MS <= now())) {
        token = await fetchToken(deadline);
      }
      return { authorization: `Bearer ${token.value}` };
    },
    refresh: async () => {
      token = undefined;
      refreshSecret = true;
    },
  };
}
