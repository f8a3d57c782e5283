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
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (typeof response.SecretString === 'string') return response.SecretString;
      if (response.SecretBinary) return Buffer.from(response.SecretBinary).toString('utf8');
      throw new Error('the secret has no value');
    } catch (error) {
      throw new SluiceError(
        'SECRET_UNREADABLE',
        `cannot read secret ${arn}: ${(error as { name?: string }).name ?? 'error'}`,
        { secretArn: arn },
        { cause: error },
      );
    }
  }
}
