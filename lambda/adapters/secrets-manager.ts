import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SluiceError } from '../core/errors';
import type { SecretSource } from '../core/sinks/types';

/** Re-read at least this often, so a rotated secret is picked up even before a 401. */
const MAX_AGE_MS = 15 * 60 * 1000;

/**
 * Secrets Manager secrets cached for the life of the execution environment. Values never reach a
 * log line or an error message.
 */
export class SecretsManagerSecrets {
  private readonly cache = new Map<string, { value: Promise<string>; readAt: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly now: () => number = Date.now,
  ) {}

  source(arn: string): SecretSource {
    return {
      get: () => this.read(arn, false),
      refresh: () => this.read(arn, true),
    };
  }

  private read(arn: string, force: boolean): Promise<string> {
    const cached = this.cache.get(arn);
    if (!force && cached && this.now() - cached.readAt < MAX_AGE_MS) return cached.value;
    const value = this.fetch(arn);
    this.cache.set(arn, { value, readAt: this.now() });
    value.catch(() => this.cache.delete(arn));
    return value;
  }

  private async fetch(arn: string): Promise<string> {
    let response;
    try {
      response = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
    } catch (error) {
      throw new SluiceError(
        'SECRET_UNREADABLE',
        `cannot read secret ${arn}: ${causeOf(error)}`,
        { secretArn: arn },
        { cause: error },
      );
    }
    if (typeof response.SecretString === 'string') return response.SecretString;
    if (response.SecretBinary) return Buffer.from(response.SecretBinary).toString('utf8');
    throw new SluiceError('SECRET_UNREADABLE', `cannot read secret ${arn}: the secret has no value`, {
      secretArn: arn,
    });
  }
}

/**
 * Why the request failed, for an operator. Secrets Manager's own answers are named by their error
 * name (never their text, as a matter of policy); failures that got no answer at all (connection
 * refused, DNS, timeouts) by the network error's text, which can hold no secret: none was received.
 */
export function causeOf(error: unknown): string {
  const failure = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = failure.$metadata?.httpStatusCode;
  if (status !== undefined) return `${failure.name ?? 'error'} (HTTP ${status})`;
  const network = typeof failure.code === 'string' && /^E[A-Z_]+$/.test(failure.code);
  if (network || failure.name === 'TimeoutError') {
    return `no answer from Secrets Manager (${failure.message || failure.code}). Fix: check the network path to Secrets Manager (VPC endpoint or NAT, AWS_ENDPOINT_URL, region)`;
  }
  return failure.name && failure.name !== 'Error'
    ? failure.name
    : 'an unexpected error, with no answer from Secrets Manager';
}
