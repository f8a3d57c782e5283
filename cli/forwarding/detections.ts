import { dirname } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DETECTION_TABLE_ENV } from '../../lambda/adapters/detection-table';
import { readDetectionRuleFiles } from '../../lambda/core/config/detection-rules';
import type { DetectionFanout } from '../../lambda/core/detections/stage/detection-fanout';
import { SluiceError } from '../../lambda/core/errors';
import type { SecretSource } from '../../lambda/core/sinks/types';
import { ALERT_TOPIC_ENV } from '../../lambda/forwarder/detection-env';
import { createAwsDetections } from '../../lambda/forwarder/detections';
import { runtimeConfigOf } from '../../lambda/forwarder/runtime-config';
import { DEPLOYMENT_ENV, OUTPUT_NAMES, type Deployment } from '../aws/deployment';
import { s3Of } from '../aws/s3';
import type { AwsSession } from '../aws/session';
import { SHIPPED_RULES_DIR } from '../detect/rule-files';
import type { CliConfig } from '../shared/config';
import { secretsManagerSecrets } from './secrets';

export interface CliDetectionsParts {
  readonly cli: CliConfig;
  readonly aws: AwsSession;
  /** Where the state table, the alert topic and the bucket the alerts are written to are. */
  readonly deployment: Deployment;
  /** The routes' secrets by ARN. Default: Secrets Manager (through the same AWS settings). */
  readonly secret?: (arn: string) => SecretSource;
}

/**
 * The detections stage and alert routes of a worker on a deployment's queue (`sluice run`,
 * `sluice dev`), as the deployed forwarder runs them: the same DynamoDB table (a record the Lambda
 * and the worker both read opens one alert), alert objects in the deployment's bucket, the stack's
 * alert topic. The rules are the configuration's, read from its folder and sluice's shipped packs.
 * Undefined when the configuration has no detections.
 */
export function cliDetections(parts: CliDetectionsParts): DetectionFanout | undefined {
  const { cli, aws, deployment } = parts;
  const detections = cli.config.detections;
  if (!detections) return undefined;
  const table = deployment.detectionsTable;
  if (!table) {
    throw new SluiceError(
      'DETECTIONS_TABLE_MISSING',
      `${cli.path} has "detections" but ${deployment.origin} has no detection table: the alerts' state would not be the deployed forwarder's. Fix: deploy this configuration (npx cdk deploy) so the stack has the ${OUTPUT_NAMES.detectionsTable} output, or name the table with ${DEPLOYMENT_ENV.detectionsTable}`,
      { origin: deployment.origin },
    );
  }
  const sns = detections.routes.some((route) => route.type === 'sns');
  if (sns && !deployment.alertTopicArn) {
    throw new SluiceError(
      'ALERT_TOPIC_MISSING',
      `${cli.path} has an "sns" alert route but ${deployment.origin} has no alert topic. Fix: deploy this configuration (npx cdk deploy) so the stack has the ${OUTPUT_NAMES.alertTopicArn} output, or name the topic with ${DEPLOYMENT_ENV.alertTopicArn}`,
      { origin: deployment.origin },
    );
  }
  return createAwsDetections({
    config: runtimeConfigOf(cli.config),
    // The packs from the CLI's own folder (also inside the compiled CLI), named as the stack names them.
    rules: readDetectionRuleFiles(detections, dirname(cli.path), SHIPPED_RULES_DIR),
    env: {
      [DETECTION_TABLE_ENV]: table,
      ...(sns ? { [ALERT_TOPIC_ENV]: deployment.alertTopicArn } : {}),
    },
    s3: s3Of(aws),
    bucket: deployment.bucket,
    secret: parts.secret ?? secretsManagerSecrets(aws),
    clients: {
      dynamodb: aws.client('dynamodb', (config) => new DynamoDBClient(config)),
      sns: () => aws.client('sns', (config) => new SNSClient(config)),
    },
  });
}
