import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCheckpointStore } from '../../lambda/adapters/dynamodb-checkpoint-store';
import { SecretsManagerSecrets } from '../../lambda/adapters/secrets-manager';
import type { CollectDeps } from '../../lambda/collector/collect';
import type { CheckpointStore } from '../../lambda/core/collectors/types';
import { HttpClient } from '../../lambda/core/http/client';
import type { SecretSource } from '../../lambda/core/sinks/types';
import type { AwsClients } from '../aws/clients';
import { DEPLOYMENT_ENV, OUTPUT_NAMES, type Deployment } from '../aws/deployment';
import { usageError } from '../shared/errors';

/** The deployment's checkpoint table, as the collectors' functions use it. */
export function deploymentCheckpoints(aws: AwsClients, deployment: Deployment): DynamoDbCheckpointStore {
  if (!deployment.collectorTable) {
    throw usageError(
      `${deployment.origin} has no collectors' checkpoint table. Fix: add "collectors" to the configuration and deploy (npx cdk deploy), which creates the ${OUTPUT_NAMES.collectorTable} output; without CloudFormation, set ${DEPLOYMENT_ENV.collectorTable}`,
    );
  }
  return new DynamoDbCheckpointStore(
    aws.other('dynamodb', (config) => new DynamoDBClient(config)),
    deployment.collectorTable,
  );
}

/** Secrets read with the operator's credentials, cached for the command. */
export function operatorSecrets(aws: AwsClients): (arn: string) => SecretSource {
  const secrets = new SecretsManagerSecrets(aws.secretsManager);
  return (arn) => secrets.source(arn);
}

/** What a run on this machine talks to; `close` releases the API's keep-alive sockets. */
export function collectDeps(
  aws: AwsClients,
  deployment: Deployment,
  store: CheckpointStore,
  secrets: (arn: string) => SecretSource = operatorSecrets(aws),
): CollectDeps & { close(): void } {
  const transport = new HttpClient({ maxSockets: 2 });
  return {
    s3: aws.s3,
    bucket: deployment.bucket,
    store,
    secrets,
    transport,
    close: () => transport.close(),
  };
}
