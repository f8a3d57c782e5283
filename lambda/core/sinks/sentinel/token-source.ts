import { SluiceError, errorMessage } from '../../errors';
import type { HttpTransport } from '../../http/client';
import { SinkCodes } from '../codes';
import type { SecretSource } from '../types';
import { requestToken, type ClientCredentialsRequest, type TokenAnswer } from './token-request';

/** Renew this long before the token expires (Entra ID tokens live 60–90 minutes)… */
const RENEW_MARGIN_MS = 5 * 60 * 1000;
/** …or at half its life when it is shorter than that. */
const RENEW_AT_FRACTION = 0.5;
/**
 * After Entra ID refused the secret (twice: as cached and as re-read), every batch would ask again
 * and fail again: for this long, while the secret is unchanged, the refusal is repeated without
 * asking, so an expired client secret cannot make the forwarder hammer the token endpoint.
 */
const REFUSAL_MEMORY_MS = 60 * 1000;
/** A token request never waits longer than this, whatever the destination's request timeout. */
const MAX_TOKEN_REQUEST_MS = 30 * 1000;

export interface EntraTokenOptions {
  readonly transport: HttpTransport;
  readonly request: ClientCredentialsRequest;
  readonly tenantId: string;
  /** The client secret (its ARN names it in messages; the value never appears in one). */
  readonly secret: SecretSource;
  readonly secretArn: string;
  readonly requestTimeoutMs: number;
  /** Default: Date.now. */
  readonly now?: () => number;
}

/** Bearer tokens for the Logs Ingestion API, cached across batches and invocations. */
export interface TokenSource {
  /** A token valid for a while yet; asks Entra ID only when there is none. */
  token(deadline?: number): Promise<string>;
  /** Forget the token (the API answered 401): the next `token()` asks for a new one. */
  renew(): void;
}

interface CachedToken {
  readonly value: string;
  readonly renewAt: number;
  readonly expiresAt: number;
}

/**
 * Entra ID client credentials with a cache: one token serves every batch until shortly before it
 * expires; concurrent batches share one request for a new one. A refused secret is re-read from
 * Secrets Manager once (it may have been rotated). Errors carry a stable code and never the secret
 * or a token:
 * - DESTINATION_AUTH_FAILED (context `status`): Entra ID refused the credentials, app or tenant.
 * - DESTINATION_AUTH_UNAVAILABLE (context `retryable: true`): no usable answer (network, 429, 5xx):
 *   the delivery loop retries it like a busy destination.
 */
export function createEntraTokenSource(options: EntraTokenOptions): TokenSource {
  const now = options.now ?? Date.now;
  let cached: CachedToken | undefined;
  let pending: Promise<string> | undefined;
  let refusal: { readonly secret: string; readonly at: number; readonly error: SluiceError } | undefined;

  const readSecret = async (refresh: boolean): Promise<string> => {
    try {
      // Pasted secrets often end in a newline; Entra ID secrets never contain whitespace.
      return (await (refresh ? options.secret.refresh() : options.secret.get())).trim();
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      throw new SluiceError(
        SinkCodes.AUTH_UNAVAILABLE,
        `the client secret ${options.secretArn} cannot be read: ${errorMessage(error)}`,
      );
    }
  };

  const ask = (secret: string, deadline: number | undefined): Promise<TokenAnswer> => {
    const left = deadline === undefined ? Infinity : deadline - now();
    const timeoutMs = Math.max(1, Math.min(options.requestTimeoutMs, MAX_TOKEN_REQUEST_MS, left));
    return requestToken(options.transport, options.request, secret, timeoutMs);
  };

  const refused = (answer: Extract<TokenAnswer, { kind: 'refused' }>): SluiceError => {
    const { clientId } = options.request;
    const fix =
      answer.error === 'invalid_client'
        ? `Fix: store the client secret's Value (not its Secret ID) in ${options.secretArn}, and check that it has not expired`
        : `Fix: check tenantId ${options.tenantId}, clientId ${clientId}, authorityHost and scope`;
    return new SluiceError(
      SinkCodes.AUTH_FAILED,
      `Entra ID refused a token to app ${clientId} (${answer.description}). ${fix}`,
      { status: answer.status, oauthError: answer.error, tokenEndpoint: options.request.url.host },
    );
  };

  async function fetchToken(deadline: number | undefined): Promise<string> {
    let secret = await readSecret(false);
    if (refusal && refusal.secret === secret && now() - refusal.at < REFUSAL_MEMORY_MS) throw refusal.error;
    const askedAt = now();
    let answer = await ask(secret, deadline);
    if (answer.kind === 'refused' && answer.error === 'invalid_client') {
      // The secret may have been rotated since it was cached: read it again, once.
      const reread = await readSecret(true);
      if (reread !== secret) {
        secret = reread;
        answer = await ask(secret, deadline);
      }
    }
    if (answer.kind === 'refused') {
      const error = refused(answer);
      refusal = { secret, at: now(), error };
      throw error;
    }
    if (answer.kind === 'unavailable') {
      throw new SluiceError(
        SinkCodes.AUTH_UNAVAILABLE,
        `no token from Entra ID (${options.request.url.host}): ${answer.description}`,
        { retryable: true, tokenEndpoint: options.request.url.host },
      );
    }
    refusal = undefined;
    // Counted from when it was asked for: the token cannot outlive that.
    const lifetime = answer.expiresInMs;
    const margin = Math.min(RENEW_MARGIN_MS, lifetime * RENEW_AT_FRACTION);
    cached = {
      value: answer.accessToken,
      renewAt: askedAt + lifetime - margin,
      expiresAt: askedAt + lifetime,
    };
    return answer.accessToken;
  }

  return {
    token(deadline) {
      const at = now();
      if (cached && at < cached.renewAt) return Promise.resolve(cached.value);
      if (!pending) {
        const previous = cached;
        pending = fetchToken(deadline)
          .catch((error: unknown) => {
            // Renewing early failed for now: the token in hand is still good until it expires.
            const retryable = error instanceof SluiceError && error.context.retryable === true;
            if (retryable && previous && now() < previous.expiresAt && cached === previous)
              return previous.value;
            throw error;
          })
          .finally(() => {
            pending = undefined;
          });
      }
      return pending;
    },
    renew() {
      // A request already under way will bring a new token: only a settled one is forgotten.
      cached = undefined;
    },
  };
}
