/** What `sluice setup elasticsearch` needs once it runs: loaded by its action, never for `--help`. */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SecretsManagerSecrets } from '../../../lambda/adapters/secrets-manager';
import { createSigV4Signer } from '../../../lambda/adapters/sigv4-signer';
import type { AwsClients } from '../../aws/clients';
import type { CliConfig } from '../../shared/config';
import type { SetupDeps } from '../../setup/elasticsearch/run';

export { renderSetupReport } from '../../setup/elasticsearch/report';
export { setupElasticsearch } from '../../setup/elasticsearch/run';

/** Secrets Manager and SigV4 signing with the operator's own AWS credentials. */
export function setupDeps(cli: CliConfig, aws: AwsClients, env: NodeJS.ProcessEnv): SetupDeps {
  const secrets = new SecretsManagerSecrets(aws.secretsManager);
  const profile = aws.settings.profile;
  return {
    cli,
    env,
    readSecret: (arn) => secrets.source(arn).get(),
    storeSecret: async (arn, value) => {
      const answer = await aws.secretsManager.send(
        new PutSecretValueCommand({ SecretId: arn, SecretString: value }),
      );
      return answer.VersionId;
    },
    signer: (region, service) =>
      createSigV4Signer(region, service, defaultProvider(profile ? { profile } : {})),
  };
}
