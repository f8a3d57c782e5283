import { SecretsManagerSecrets } from '../../lambda/adapters/secrets-manager';
import type { SecretSource } from '../../lambda/core/sinks/types';
import { secretsManagerOf } from '../aws/secrets-manager';
import type { AwsSession } from '../aws/session';

/** Secrets by ARN from Secrets Manager, through the session's client. */
export function secretsManagerSecrets(session: AwsSession): (arn: string) => SecretSource {
  const secrets = new SecretsManagerSecrets(secretsManagerOf(session));
  return (arn) => secrets.source(arn);
}
