import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SluiceError } from '../core/errors';

/** The expected token. Never log what it returns. */
export interface TokenSource {
  /** The token, from the cache while it is fresh. */
  current(): Promise<string>;
  /**
   * The token read from the secret again, for a request whose token did not match: a token rotated
   * since the cache was filled then works at once. `undefined` when the secret was read (or a read
   * began) less than the re-read interval ago: a flood of wrong tokens costs one read per interval
   * per execution environment, not one per request.
   */
  reread(): Promise<string | undefined>;
}

/** At most one re-read per execution environment in this time. */
export const TOKEN_REREAD_INTERVAL_MS = 10_000;

/**
 * Reads the token from Secrets Manager (SecretString, trimmed) and reuses it for `ttlSeconds`
 * across invocations of a warm function. Concurrent callers share one in-flight read; a failed
 * read is not cached (and keeps the token cached before it).
 */
export function secretTokenSource(
  client: Pick<SecretsManagerClient, 'send'>,
  secretArn: string,
  ttlSeconds: number,
  now: () => number = Date.now,
  rereadIntervalMs: number = TOKEN_REREAD_INTERVAL_MS,
): TokenSource {
  let cached: { token: string; until: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let lastReadAt = -Infinity;
  const read = async (): Promise<string> => {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const token = output.SecretString?.trim() ?? '';
    if (token === '') {
      throw new SluiceError('INGEST_TOKEN_EMPTY', 'the ingest token secret has no SecretString', {
        secretArn,
      });
    }
    cached = { token, until: now() + ttlSeconds * 1000 };
    return token;
  };
  const readShared = (): Promise<string> => {
    if (!inFlight) {
      // Counted when the read begins, failed or not: a failing secret is not asked again per request.
      lastReadAt = now();
      inFlight = read().finally(() => {
        inFlight = undefined;
      });
    }
    return inFlight;
  };
  return {
    current: async () => (cached && now() < cached.until ? cached.token : readShared()),
    reread: async () => {
      if (inFlight) return inFlight;
      if (now() - lastReadAt < rereadIntervalMs) return undefined;
      return readShared();
    },
  };
}
