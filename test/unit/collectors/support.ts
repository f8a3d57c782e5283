import { HttpClient } from '../../../lambda/core/http/client';
import type { SecretSource } from '../../../lambda/core/sinks/types';
import type { CollectorClientDeps } from '../../../lambda/core/collectors/types/client-deps';

export const ARN = (name: string): string => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`;

/** Secrets by ARN; `refreshes` counts the re-reads a 401 asked for. */
export class FakeSecrets {
  readonly values = new Map<string, string>();
  refreshes = 0;

  set(arn: string, value: unknown): void {
    this.values.set(arn, typeof value === 'string' ? value : JSON.stringify(value));
  }

  source = (arn: string): SecretSource => ({
    get: async () => this.read(arn),
    refresh: async () => {
      this.refreshes += 1;
      return this.read(arn);
    },
  });

  private read(arn: string): string {
    const value = this.values.get(arn);
    if (value === undefined) throw new Error(`no secret ${arn}`);
    return value;
  }
}

/** Real HTTP to the local API; waits are recorded instead of slept, so tests never depend on the clock. */
export function clientDeps(secrets: FakeSecrets): CollectorClientDeps & { waits: number[]; close(): void } {
  const transport = new HttpClient({ maxSockets: 2 });
  const waits: number[] = [];
  return {
    secrets: secrets.source,
    api: {
      transport,
      requestTimeoutMs: 120_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0,
    },
    waits,
    close: () => transport.close(),
  };
}
