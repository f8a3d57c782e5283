import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { ALERTS_SOURCE_NAME, alertsObjectPrefix } from '../../lambda/core/config/alerts-source';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import type { AwsClients } from '../aws/clients';
import { createCheckpointTable } from '../collectors/local-table';
import { OUTPUT_NAMES, type Deployment, type QueuePair } from '../aws/deployment';
import { queueAttributes } from '../aws/queues';
import { createAlertTopic, createDetectionTable } from './local-detections';

const FOURTEEN_DAYS = String(14 * 24 * 3600);

const ignoreExisting = (error: unknown) => {
  const name = (error as { name?: string }).name ?? '';
  if (!/AlreadyOwnedByYou|AlreadyExists/.test(name)) throw error;
};

/** A queue and its DLQ, with the redrive policy the stack sets. */
async function queuePair(
  aws: AwsClients,
  name: string,
  settings: { visibilityTimeoutSeconds: number; maxReceiveCount: number },
): Promise<QueuePair & { arn: string }> {
  const dlq = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}-dlq`,
      Attributes: { MessageRetentionPeriod: FOURTEEN_DAYS },
    }),
  );
  const dlqArn = (await queueAttributes(aws.sqs, dlq.QueueUrl!)).arn;
  const queue = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: settings.maxReceiveCount,
        }),
      },
    }),
  );
  return {
    queueUrl: queue.QueueUrl!,
    deadLetterQueueUrl: dlq.QueueUrl!,
    arn: (await queueAttributes(aws.sqs, queue.QueueUrl!)).arn,
  };
}

/**
 * What `cdk deploy` creates, on an S3/SQS-compatible endpoint: the bucket (versioned as configured), the
 * object queue and its DLQ (visibility 6 × the forwarder timeout, redrive after maxReceiveCount), the
 * ObjectCreated notifications of every source prefix, the ingest queue pair when a source has
 * `ingest`, the collectors' checkpoint table when there are `collectors`, with `detections` the
 * detection table, the notification of the alert objects and (for an `sns` route) the alert topic,
 * and a CloudFormation stack with the stack's outputs, so every other command finds it.
 */
export async function createLocalStack(
  aws: AwsClients,
  config: SluiceConfig,
  options: { readonly bucket: string; readonly region: string },
): Promise<Deployment> {
  const prefix = config.stackName.toLowerCase();
  const objects = await queuePair(aws, `${prefix}-objects`, {
    visibilityTimeoutSeconds: 6 * config.forwarder.timeoutSeconds,
    maxReceiveCount: config.forwarder.maxReceiveCount,
  });
  const ingestSource = config.sources.find((source) => source.ingest);
  const ingest = ingestSource?.ingest
    ? await queuePair(aws, `${prefix}-ingest`, {
        visibilityTimeoutSeconds:
          6 * ingestSource.ingest.timeoutSeconds + ingestSource.ingest.maxBatchingWindowSeconds,
        maxReceiveCount: ingestSource.ingest.maxReceiveCount,
      })
    : undefined;

  const collectorTable =
    config.collectors.length > 0
      ? await createCheckpointTable(aws, `${prefix}-collector-checkpoints`)
      : undefined;
  const detections = config.detections;
  const detectionsTable = detections ? await createDetectionTable(aws, `${prefix}-detections`) : undefined;
  const alertTopicArn = detections?.routes.some((route) => route.type === 'sns')
    ? await createAlertTopic(aws, `${prefix}-alerts`)
    : undefined;

  await aws.s3
    .send(
      new CreateBucketCommand({
        Bucket: options.bucket,
        CreateBucketConfiguration:
          options.region === 'us-east-1' ? undefined : { LocationConstraint: options.region as never },
      }),
    )
    .catch(ignoreExisting);
  if (config.bucket.versioned) {
    await aws.s3.send(
      new PutBucketVersioningCommand({
        Bucket: options.bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  }
  await aws.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: options.bucket,
      NotificationConfiguration: {
        // One per key prefix: `<prefix>/`, or the prefixes a bucket-root source's layout gives.
        QueueConfigurations: [
          ...config.sources.map((source) => ({ name: source.name, keyPrefixes: source.keyPrefixes })),
          // Alert objects come back through the object queue, as the stack notifies them: only
          // `sluice-alerts/`, as the quarantine may lie under the alerts prefix.
          ...(detections
            ? [{ name: ALERTS_SOURCE_NAME, keyPrefixes: [alertsObjectPrefix(detections.alerts.prefix)] }]
            : []),
        ].flatMap((source) =>
          source.keyPrefixes.map((prefix, index) => ({
            Id: index === 0 ? `sluice-${source.name}` : `sluice-${source.name}-${index}`,
            QueueArn: objects.arn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          })),
        ),
      },
    }),
  );

  const outputs: Record<string, string> = {
    [OUTPUT_NAMES.bucketName]: options.bucket,
    [OUTPUT_NAMES.objectQueueUrl]: objects.queueUrl,
    [OUTPUT_NAMES.objectDeadLetterQueueUrl]: objects.deadLetterQueueUrl!,
    [OUTPUT_NAMES.quarantinePrefix]: config.quarantinePrefix,
    ...(ingest
      ? {
          [OUTPUT_NAMES.ingestQueueUrl]: ingest.queueUrl,
          [OUTPUT_NAMES.ingestDeadLetterQueueUrl]: ingest.deadLetterQueueUrl!,
        }
      : {}),
    ...(collectorTable ? { [OUTPUT_NAMES.collectorTable]: collectorTable } : {}),
    ...(detectionsTable ? { [OUTPUT_NAMES.detectionsTable]: detectionsTable } : {}),
    ...(alertTopicArn ? { [OUTPUT_NAMES.alertTopicArn]: alertTopicArn } : {}),
  };
  const template = {
    Description: 'sluice dev: outputs of the local pipeline (resources created by sluice dev)',
    Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { Value: value }])),
  };
  await aws.cloudFormation
    .send(new CreateStackCommand({ StackName: config.stackName, TemplateBody: JSON.stringify(template) }))
    .catch(ignoreExisting);

  return {
    origin: `local stack ${config.stackName}`,
    stackName: config.stackName,
    bucket: options.bucket,
    objects: { queueUrl: objects.queueUrl, deadLetterQueueUrl: objects.deadLetterQueueUrl },
    ingest: ingest ? { queueUrl: ingest.queueUrl, deadLetterQueueUrl: ingest.deadLetterQueueUrl } : undefined,
    quarantinePrefix: config.quarantinePrefix,
    collectorTable,
    detectionsTable,
    alertTopicArn,
  };
}
