import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SluiceError } from '../core/errors';

/** Returns the expected token. Never log what it returns. */
export type TokenSource = () => Promise<string>;

/**
 * Reads the token from Secrets Manager (SecretString, trimmed) and reuses it for `ttlSeconds`
 * across invocations of a warm function. Concurrent callers share one in-flight read; a failed
 * read is not cached.
 */
export function secretTokenSource(
  client: Pick<SecretsManagerClient, 'send'>,
  secretArn: string,
  ttlSeconds: number,
  now: () => number = Date.now,
): TokenSource {
  let cached: { token: string; until: number } | undefined;
  let inFlight: Promise<string> | undefined;
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
  return async () => {
    if (cached && now() < cached.until) return cached.token;
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
