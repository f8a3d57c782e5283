import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../adapters/aws-client-config';
import { collectorRequestHandlers } from './request-timeouts';

/**
 * The collector's AWS clients, each request bounded by the run's timeout (request-timeouts.ts).
 * Path-style S3 addressing for S3-compatible endpoints (moto, MinIO) named by AWS_ENDPOINT_URL.
 */
export function collectorClients(env: NodeJS.ProcessEnv, runTimeoutSeconds: number) {
  const aws = awsClientConfig(env);
  const handlers = collectorRequestHandlers(runTimeoutSeconds);
  return {
    s3: new S3Client({
      ...aws,
      forcePathStyle: env.SLUICE_S3_FORCE_PATH_STYLE === 'true',
      requestHandler: handlers.s3,
    }),
    dynamodb: new DynamoDBClient({ ...aws, requestHandler: handlers.dynamodb }),
    secretsManager: new SecretsManagerClient({ ...aws, requestHandler: handlers.secretsManager }),
  };
}
