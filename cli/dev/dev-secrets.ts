import type { LocalDestinationConfig } from '../../lambda/core/config/destinations';
import type { SecretSource } from '../../lambda/core/sinks/types';
import { usageError } from '../shared/errors';

/** `splunk-prod` → `SLUICE_DEV_SECRET_SPLUNK_PROD`. */
export function devSecretVariable(destination: string): string {
  return `SLUICE_DEV_SECRET_${destination.toUpperCase().replace(/-/g, '_')}`;
}

function secretArnsOf(destination: LocalDestinationConfig): string[] {
  switch (destination.type) {
    case 'splunk-hec':
      return [destination.tokenSecretArn];
    case 'elasticsearch':
      return destination.auth.type === 'sigv4' ? [] : [destination.auth.secretArn];
    case 'https':
      return destination.tokenSecretArn ? [destination.tokenSecretArn] : [];
    case 'sentinel':
      return [destination.clientSecretArn];
    case 'file':
      return [];
  }
}

/**
 * The local pipeline has no Secrets Manager of yours: a destination's token (HEC token, API key,
 * basic-auth JSON, bearer token, Entra ID client secret) comes from `SLUICE_DEV_SECRET_<NAME>`. Checked before anything starts;
 * values are never printed.
 */
export function devSecrets(
  destinations: readonly LocalDestinationConfig[],
  env: NodeJS.ProcessEnv,
): (arn: string) => SecretSource {
  const byArn = new Map<string, string>();
  const missing: string[] = [];
  for (const destination of destinations) {
    for (const arn of secretArnsOf(destination)) {
      const variable = devSecretVariable(destination.name);
      const value = env[variable];
      if (!value) missing.push(`${variable} (destination ${destination.name})`);
      else byArn.set(arn, value);
    }
  }
  if (missing.length > 0) {
    throw usageError(
      `the local pipeline reads destination secrets from the environment; set ${missing.join(', ')}`,
    );
  }
  return (arn) => {
    const value = byArn.get(arn);
    const read = async () => {
      if (value === undefined) throw usageError(`no local secret for ${arn}`);
      return value;
    };
    return { get: read, refresh: read };
  };
}
