import { SluiceError, errorMessage } from '../errors';
import { SinkCodes } from './codes';
import type { RequestSigner, SecretSource } from './types';

/** The request as it will be sent, for signers that must see the exact bytes. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Epoch ms by which the request must have been answered (an authorizer's own requests too). */
  readonly deadline?: number;
}

/** Produces the authentication headers of a request; `refresh` re-reads rotated credentials. */
export interface Authorizer {
  headers(request: OutgoingRequest): Promise<Record<string, string>>;
  refresh(): Promise<void>;
}

export const noAuth: Authorizer = {
  headers: async () => ({}),
  refresh: async () => undefined,
};

/**
 * `Authorization: <format(secret)>`. The formatted value is memoised per secret value, so a basic-auth
 * secret is parsed once, not per request, and a rotated secret is picked up as soon as the source returns it.
 */
export function secretAuthorization(secret: SecretSource, format: (value: string) => string): Authorizer {
  let lastSecret: string | undefined;
  let lastHeader = '';
  const header = (value: string): string => {
    if (value !== lastSecret) {
      lastHeader = format(value);
      lastSecret = value;
    }
    return lastHeader;
  };
  return {
    headers: async () => ({ authorization: header(await readSecret(() => secret.get())) }),
    refresh: async () => {
      await readSecret(() => secret.refresh());
    },
  };
}

async function readSecret(read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(
      SinkCodes.AUTH_UNAVAILABLE,
      `the destination's secret cannot be read: ${errorMessage(error)}`,
    );
  }
}

export const splunkToken = (token: string): string => `Splunk ${token.trim()}`;
export const bearerToken = (token: string): string => `Bearer ${token.trim()}`;
export const elasticApiKey = (key: string): string => `ApiKey ${key.trim()}`;

/** Basic auth from a secret holding `{"username": "...", "password": "..."}`. Errors never quote the secret. */
export function basicFromJson(secret: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new SluiceError(
      SinkCodes.AUTH_UNAVAILABLE,
      'the basic-auth secret is not JSON. Fix: store {"username": "...", "password": "..."} in the secret',
    );
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || typeof password !== 'string' || username.includes(':')) {
    throw new SluiceError(
      SinkCodes.AUTH_UNAVAILABLE,
      'the basic-auth secret needs string "username" (without ":") and "password" fields',
    );
  }
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** SigV4: the signer sees the final method, URL, headers and (possibly gzipped) body bytes. */
export function signedRequests(signer: RequestSigner): Authorizer {
  return {
    headers: async (request) => {
      try {
        return await signer.sign(request);
      } catch (error) {
        if (error instanceof SluiceError) throw error;
        throw new SluiceError(
          SinkCodes.AUTH_UNAVAILABLE,
          `the request cannot be signed: ${errorMessage(error)}`,
        );
      }
    },
    // The credential provider chain refreshes expiring credentials itself: nothing to forget here.
    refresh: async () => undefined,
  };
}
