import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import type { SluiceConfig } from '../lambda/core/config/schema';
import { runtimeConfigOf } from '../lambda/forwarder/runtime-config';
import { Forwarder } from './forwarder';
import { IngestPipeline } from './ingest/ingest-pipeline';
import { Monitoring } from './monitoring';
import { LogStreamBucket, pascal } from './log-stream-bucket';
import { acknowledgeCdkProvidedResources } from './nag';
import { ObjectQueue } from './object-queue';

export interface SluiceStackProps extends StackProps {
  /** A validated configuration (see `parseConfig`). */
  readonly config: SluiceConfig;
}

const STORAGE_CLASSES: Record<SluiceConfig['bucket']['transitionStorageClass'], s3.StorageClass> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: s3.StorageClass.GLACIER,
};

/** Stack outputs the CLI and operators rely on; names are part of sluice's interface. */
export const OUTPUTS = {
  bucketName: 'BucketName',
  objectQueueUrl: 'ObjectQueueUrl',
  objectDeadLetterQueueUrl: 'ObjectDeadLetterQueueUrl',
  quarantinePrefix: 'QuarantinePrefix',
  forwarderFunctionName: 'ForwarderFunctionName',
  alarmTopicArn: 'AlarmTopicArn',
  ingestQueueUrl: 'IngestQueueUrl',
  ingestDeadLetterQueueUrl: 'IngestDeadLetterQueueUrl',
  ingestEndpointUrl: 'IngestEndpointUrl',
  ingestTokenSecretArn: 'IngestTokenSecretArn',
  writerPolicy: (source: string) => `WriterPolicy${pascal(source)}`,
} as const;

/** One sluice deployment: the log bucket, its object queue and the forwarder. */
export class SluiceStack extends Stack {
  readonly logBucket: LogStreamBucket;
  readonly objectQueue: ObjectQueue;
  readonly forwarder: Forwarder;
  readonly ingest?: IngestPipeline;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { bucket } = config;

    this.logBucket = new LogStreamBucket(this, 'LogBucket', {
      sources: config.sources.map((source) => ({
        name: source.name,
        prefix: source.prefix,
        writers: source.writers,
      })),
      bucketName: bucket.name,
      encryption: bucket.encryption,
      retention: Duration.days(bucket.retentionDays),
      transitionAfter: Duration.days(bucket.transitionDays),
      transitionStorageClass: STORAGE_CLASSES[bucket.transitionStorageClass],
      noncurrentVersionExpiration: Duration.days(bucket.noncurrentVersionDays),
      versioned: bucket.versioned,
      objectLock: bucket.objectLock,
      accessLogRetention: Duration.days(bucket.accessLogRetentionDays),
    });

    this.objectQueue = new ObjectQueue(this, 'ObjectQueue', {
      visibilityTimeout: Duration.seconds(6 * config.forwarder.timeoutSeconds),
      maxReceiveCount: config.forwarder.maxReceiveCount,
    });
    this.logBucket.notifyObjectCreated(new s3n.SqsDestination(this.objectQueue.queue));

    const { forwarder } = config;
    this.forwarder = new Forwarder(this, 'Forwarder', {
      bucket: this.logBucket.bucket,
      encryptionKey: this.logBucket.encryptionKey,
      queue: this.objectQueue.queue,
      runtimeConfig: runtimeConfigOf(config),
      memoryMb: forwarder.memoryMb,
      timeout: Duration.seconds(forwarder.timeoutSeconds),
      batchSize: forwarder.batchSize,
      maxBatchingWindow:
        forwarder.maxBatchingWindowSeconds > 0
          ? Duration.seconds(forwarder.maxBatchingWindowSeconds)
          : undefined,
      maxConcurrency: forwarder.maxConcurrency,
      reservedConcurrency: forwarder.reservedConcurrency,
    });

    const ingestSource = config.sources.find((source) => source.ingest);
    if (ingestSource?.ingest) {
      this.ingest = new IngestPipeline(this, 'Ingest', {
        bucket: this.logBucket.bucket,
        prefix: ingestSource.prefix,
        quarantinePrefix: config.quarantinePrefix,
        config: ingestSource.ingest,
      });
      new CfnOutput(this, OUTPUTS.ingestQueueUrl, { value: this.ingest.queue.queue.queueUrl });
      new CfnOutput(this, OUTPUTS.ingestDeadLetterQueueUrl, {
        value: this.ingest.queue.deadLetterQueue.queueUrl,
      });
      if (this.ingest.endpoint) {
        new CfnOutput(this, OUTPUTS.ingestEndpointUrl, { value: this.ingest.endpoint.url });
        new CfnOutput(this, OUTPUTS.ingestTokenSecretArn, {
          value: this.ingest.endpoint.tokenSecret.secretArn,
        });
      }
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      forwarder: this.forwarder.function,
      queues: [
        { name: 'Object', queue: this.objectQueue.queue, deadLetterQueue: this.objectQueue.deadLetterQueue },
        ...(this.ingest
          ? [
              {
                name: 'Ingest',
                queue: this.ingest.queue.queue,
                deadLetterQueue: this.ingest.queue.deadLetterQueue,
              },
            ]
          : []),
      ],
      destinations: config.destinations.map((destination) => destination.name),
      ingest: this.ingest !== undefined,
      alarmEmail: config.monitoring.alarmEmail,
      maxMessageAge: Duration.minutes(config.monitoring.maxMessageAgeMinutes),
    });
    new CfnOutput(this, OUTPUTS.alarmTopicArn, { value: this.monitoring.topic.topicArn });

    new CfnOutput(this, OUTPUTS.bucketName, { value: this.logBucket.bucket.bucketName });
    new CfnOutput(this, OUTPUTS.objectQueueUrl, { value: this.objectQueue.queue.queueUrl });
    new CfnOutput(this, OUTPUTS.objectDeadLetterQueueUrl, {
      value: this.objectQueue.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, OUTPUTS.forwarderFunctionName, { value: this.forwarder.function.functionName });
    new CfnOutput(this, OUTPUTS.quarantinePrefix, { value: config.quarantinePrefix });
    for (const policy of this.logBucket.writerPolicies) {
      new CfnOutput(this, OUTPUTS.writerPolicy(policy.source), {
        description: `Bucket policy for source '${policy.source}': compare with what the vendor's admin UI shows`,
        value: this.toJsonString(policy.document),
      });
    }
    acknowledgeCdkProvidedResources(this);
  }
}
