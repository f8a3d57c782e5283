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
 * basic-auth JSON, bearer token, Entra ID client secret) comes from `SLUICE_DEV_SECRET_<NAME>`, and
 * so does an alert route's (Slack webhook URL, PagerDuty routing key, webhook URL), by route name.
 * Checked before anything starts; values are never printed.
 */
export function devSecrets(
  destinations: readonly LocalDestinationConfig[],
  env: NodeJS.ProcessEnv,
  /** The alert routes that read a secret, by route name (`routeNameOf`). Default: none. */
  routes: readonly { readonly name: string; readonly secretArn: string }[] = [],
): (arn: string) => SecretSource {
  const byArn = new Map<string, string>();
  const missing: string[] = [];
  const needs = [
    ...destinations.flatMap((destination) =>
      secretArnsOf(destination).map((arn) => ({ arn, name: destination.name, what: 'destination' })),
    ),
    ...routes.map((route) => ({ arn: route.secretArn, name: route.name, what: 'route' })),
  ];
  for (const { arn, name, what } of needs) {
    const variable = devSecretVariable(name);
    const value = env[variable];
    if (!value) missing.push(`${variable} (${what} ${name})`);
    else byArn.set(arn, value);
  }
  if (missing.length > 0) {
    throw usageError(
      `the local pipeline reads destination and alert route secrets from the environment; set ${missing.join(', ')}`,
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
