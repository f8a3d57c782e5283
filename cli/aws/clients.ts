import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { s3Of } from './s3';
import { secretsManagerOf } from './secrets-manager';
import { AwsSession } from './session';
import type { AwsClientConfig } from './settings';

export {
  awsSettings,
  quietSdkNodeNotice,
  regionOf,
  SDK_NODE_NOTICE_SWITCH,
  type AwsSettings,
} from './settings';

/** One client per service, created on first use and destroyed together (keep-alive sockets). */
export class AwsClients extends AwsSession {
  get s3(): S3Client {
    return s3Of(this);
  }

  get sqs(): SQSClient {
    return this.client('sqs', (config) => new SQSClient(config));
  }

  get cloudFormation(): CloudFormationClient {
    return this.client('cfn', (config) => new CloudFormationClient(config));
  }

  get cloudWatch(): CloudWatchClient {
    return this.client('cw', (config) => new CloudWatchClient(config));
  }

  /**
   * A client of another service, created on first use with the same settings and destroyed with the
   * others; the command that needs it imports its SDK package (so that other commands never load it).
   */
  other<T extends { destroy(): void }>(name: string, create: (config: AwsClientConfig) => T): T {
    return this.client(`other:${name}`, create);
  }

  get secretsManager(): SecretsManagerClient {
    return secretsManagerOf(this);
  }
}
