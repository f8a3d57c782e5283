import type { ElasticsearchDestinationConfig } from '../../../lambda/core/config/destinations';
import {
  basicFromJson,
  elasticApiKey,
  signedRequests,
  type Authorizer,
} from '../../../lambda/core/sinks/auth';
import type { RequestSigner } from '../../../lambda/core/sinks/types';
import { usageError } from '../../shared/errors';

/** The environment variables setup reads admin credentials from (never the forwarder's credentials). */
export const ADMIN_ENV = {
  apiKey: 'SLUICE_ES_ADMIN_API_KEY',
  username: 'SLUICE_ES_ADMIN_USERNAME',
  password: 'SLUICE_ES_ADMIN_PASSWORD',
} as const;

export interface AdminCredentials {
  readonly kind: 'api-key' | 'basic' | 'sigv4';
  /** Where they came from, for messages (never the value). */
  readonly origin: string;
  readonly authorizer: Authorizer;
}

export interface AdminSources {
  readonly env: NodeJS.ProcessEnv;
  /** `--admin-secret-arn`. */
  readonly secretArn?: string;
  readonly readSecret: (arn: string) => Promise<string>;
  readonly signer: (region: string, service: 'es' | 'aoss') => RequestSigner;
}

const staticHeader = (value: string): Authorizer => ({
  headers: async () => ({ authorization: value }),
  refresh: async () => undefined,
});

/** A secret holding `{"username", "password"}` is basic auth; anything else is an encoded API key. */
function fromSecret(value: string): { kind: 'api-key' | 'basic'; header: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { kind: 'api-key', header: elasticApiKey(value) };
  }
  if (parsed && typeof parsed === 'object' && 'username' in parsed) {
    return { kind: 'basic', header: basicFromJson(value) };
  }
  return { kind: 'api-key', header: elasticApiKey(value) };
}

/**
 * The credentials setup manages the cluster with: `--admin-secret-arn`, else SLUICE_ES_ADMIN_API_KEY,
 * else SLUICE_ES_ADMIN_USERNAME + SLUICE_ES_ADMIN_PASSWORD, else (for a `sigv4` destination) the
 * operator's own AWS credentials. The forwarder's credentials are never used: they may only append.
 */
export async function adminCredentials(
  destination: ElasticsearchDestinationConfig,
  sources: AdminSources,
): Promise<AdminCredentials> {
  const { env } = sources;
  if (sources.secretArn) {
    const { kind, header } = fromSecret(await sources.readSecret(sources.secretArn));
    return { kind, origin: `secret ${sources.secretArn}`, authorizer: staticHeader(header) };
  }
  const apiKey = env[ADMIN_ENV.apiKey];
  const username = env[ADMIN_ENV.username];
  const password = env[ADMIN_ENV.password];
  if (apiKey && username) {
    throw usageError(`both ${ADMIN_ENV.apiKey} and ${ADMIN_ENV.username} are set. Fix: set only one`);
  }
  if (apiKey)
    return { kind: 'api-key', origin: ADMIN_ENV.apiKey, authorizer: staticHeader(elasticApiKey(apiKey)) };
  if (username || password) {
    if (!username || password === undefined) {
      throw usageError(`${ADMIN_ENV.username} and ${ADMIN_ENV.password} go together. Fix: set both`);
    }
    const header = basicFromJson(JSON.stringify({ username, password }));
    return { kind: 'basic', origin: ADMIN_ENV.username, authorizer: staticHeader(header) };
  }
  if (destination.auth.type === 'sigv4') {
    const { region, service } = destination.auth;
    return {
      kind: 'sigv4',
      origin: 'your AWS credentials (SigV4)',
      authorizer: signedRequests(sources.signer(region, service)),
    };
  }
  throw usageError(
    `no admin credentials for destination '${destination.name}'. Fix: pass --admin-secret-arn <arn> (a Secrets Manager secret holding an encoded API key or {"username","password"}), or set ${ADMIN_ENV.apiKey}, or ${ADMIN_ENV.username} and ${ADMIN_ENV.password}. The forwarder's own credentials cannot be used: they may only append documents`,
  );
}
