import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsSession } from './session';

/** The session's Secrets Manager client (the one `AwsClients.secretsManager` gives too). */
export function secretsManagerOf(session: AwsSession): SecretsManagerClient {
  return session.client('sm', (config) => new SecretsManagerClient(config));
}
