import type { SecretSource } from '../../sinks/types';
import { CollectorCodes, CollectorError } from '../codes';
import { isFresh, sessionCookie, type SessionCookie } from '../http/cookies';
import { describeUrl, sendApiRequest, type ApiCallSettings } from '../http/request';
import type { Authenticator } from './authenticator';
import { readSecret, secretFields } from './secret-json';

export interface LoginCookieOptions {
  readonly loginUrl: URL;
  readonly cookieName: string;
  /** A JSON object, posted as the login request's body (e.g. `{"email": "...", "password": "..."}`). */
  readonly secret: SecretSource;
  /** Fields the secret must have, checked before logging in. */
  readonly requiredFields: readonly string[];
  readonly api: ApiCallSettings;
}

/**
 * Logs in once (POST of the credentials as JSON), then sends the session cookie the answer set until
 * it expires (its Max-Age / Expires, or the JWT's `exp`), or until the API refuses it: then one new
 * login. The cookie lives only in this process's memory, never in a log, an error or the checkpoint.
 */
export function loginCookie(options: LoginCookieOptions): Authenticator {
  const now = options.api.now ?? Date.now;
  let session: SessionCookie | undefined;
  let refreshSecret = false;

  const login = async (deadline: number): Promise<SessionCookie> => {
    const text = await readSecret(options.secret, refreshSecret);
    refreshSecret = false;
    const credentials = secretFields(text, options.requiredFields, 'login');
    const where = describeUrl(options.loginUrl);
    const response = await sendApiRequest(
      {
        method: 'POST',
        url: options.loginUrl,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(credentials),
      },
      deadline,
      options.api,
    ).catch((error: unknown) => {
      if (error instanceof CollectorError && error.code === CollectorCodes.REQUEST_REJECTED) {
        throw new CollectorError(
          CollectorCodes.AUTH_FAILED,
          `the login at ${where.host}${where.path} was refused. Fix: check the login secret`,
          error.context,
          { cause: error },
        );
      }
      throw error;
    });
    if (response.status === 401 || response.status === 403) {
      throw new CollectorError(
        CollectorCodes.AUTH_FAILED,
        `the login at ${where.host}${where.path} was refused (HTTP ${response.status}). Fix: check the login secret`,
        { ...where, status: response.status },
      );
    }
    const cookie = sessionCookie(response.headers['set-cookie'], options.cookieName, now());
    if (!cookie) {
      throw new CollectorError(
        CollectorCodes.AUTH_FAILED,
        `the login at ${where.host}${where.path} answered HTTP ${response.status} without a "${options.cookieName}" cookie`,
        { ...where, status: response.status },
      );
    }
    return cookie;
  };

  return {
    headers: async (deadline) => {
      if (!session || !isFresh(session, now())) session = await login(deadline);
      return { cookie: `${session.name}=${session.value}` };
    },
    refresh: async () => {
      session = undefined;
      refreshSecret = true;
    },
  };
}
