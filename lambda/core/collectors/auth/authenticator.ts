import type { HttpResponse } from '../../http/client';
import type { SecretSource } from '../../sinks/types';
import { CollectorCodes, CollectorError } from '../codes';
import { describeUrl, sendApiRequest, type ApiCallSettings, type ApiRequest } from '../http/request';
import { readSecret, secretFields } from './secret-json';

/** Produces the credentials of API requests, and renews them once when the API refuses them. */
export interface Authenticator {
  /** Headers that authenticate a request (logging in or fetching a token first when needed). */
  headers(deadline: number): Promise<Record<string, string>>;
  /** Forgets what it holds (session, token, cached secret): called once after a 401/403. */
  refresh(): Promise<void>;
}

/**
 * Sends a request with the authenticator's headers. A 401/403 gets one renewal (a new login, a new
 * token, the secret read again in case it was rotated) and one more try; a second refusal stops
 * the run with COLLECTOR_AUTH_FAILED.
 */
export async function sendAuthorized(
  auth: Authenticator,
  build: (headers: Record<string, string>) => ApiRequest,
  deadline: number,
  settings: ApiCallSettings,
): Promise<HttpResponse> {
  for (let attempt = 0; ; attempt += 1) {
    const request = build(await auth.headers(deadline));
    const response = await sendApiRequest(request, deadline, settings);
    if (response.status !== 401 && response.status !== 403) return response;
    if (attempt > 0) {
      throw new CollectorError(
        CollectorCodes.AUTH_FAILED,
        `${request.url.host} refused the credentials (HTTP ${response.status}) again after renewing them. Fix: check the secret and the account's permissions`,
        { ...describeUrl(request.url), status: response.status },
      );
    }
    await auth.refresh();
  }
}

/** `<name>: <prefix><secret>`, e.g. `authorization: Bearer <token>`. */
export function headerToken(secret: SecretSource, name: string, prefix: string): Authenticator {
  let refreshNext = false;
  return {
    headers: async () => {
      const value = (await readSecret(secret, refreshNext)).trim();
      refreshNext = false;
      return { [name.toLowerCase()]: `${prefix}${value}` };
    },
    refresh: async () => {
      refreshNext = true;
    },
  };
}

/** HTTP Basic from a secret holding the two named fields. */
export function basicAuth(
  secret: SecretSource,
  fields: { user: string; password: string },
  what: string,
): Authenticator {
  let refreshNext = false;
  return {
    headers: async () => {
      const text = await readSecret(secret, refreshNext);
      refreshNext = false;
      const values = secretFields(text, [fields.user, fields.password], what);
      const user = values[fields.user];
      if (user.includes(':')) {
        throw new CollectorError(
          CollectorCodes.SECRET_INVALID,
          `the ${what} secret's "${fields.user}" contains ":", which HTTP Basic cannot carry`,
        );
      }
      const token = Buffer.from(`${user}:${values[fields.password]}`, 'utf8').toString('base64');
      return { authorization: `Basic ${token}` };
    },
    refresh: async () => {
      refreshNext = true;
    },
  };
}
