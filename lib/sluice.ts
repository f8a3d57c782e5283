import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { Collectors } from './collectors/collectors';
import { Detections, routeSecretArns } from './detections/detections';
import { ALERTS_SOURCE_NAME, alertsObjectPrefix } from '../lambda/core/config/alerts-source';
import { detectionRuleFilesOf } from '../lambda/core/config/detection-rules';
import { validatedConfig } from '../lambda/core/config/load';
import type { SluiceConfig, SluiceConfigInput } from '../lambda/core/config/schema';
import { routeNameOf } from '../lambda/core/detections/routing/config';
import { runtimeConfigOf } from '../lambda/forwarder/runtime-config';
import { Forwarder } from './forwarder';
import { IngestPipeline } from './ingest/ingest-pipeline';
import { LogStreamBucket } from './log-stream-bucket';
import { Monitoring } from './monitoring';
import { acknowledgeCdkProvidedResources } from './nag';
import { ObjectQueue } from './object-queue';
import { OUTPUTS } from './outputs';

export interface SluiceProps {
  /**
   * The configuration, written as in `sluice.config.json` (`SluiceConfigInput`), or as returned by
   * `parseConfig`/`loadConfigFile`. It is validated as `cdk synth` validates the file: an invalid one
   * throws a `SluiceError` (`CONFIG_INVALID`) naming every wrong field and its fix. `stackName` is not
   * used (the construct lives in your stack): give the CLI that stack with `--stack`, or set `stackName`
   * to it in the file the CLI reads.
   */
  readonly config: SluiceConfigInput | SluiceConfig;
  /**
   * Create the stack outputs the sluice CLI reads (`BucketName`, `ObjectQueueUrl`, `WriterPolicy<Source>`,
   * …), with exactly those logical ids so that the CLI finds them. Default: true. Set it to false for a
   * second `Sluice` in the same stack (output ids must be unique in a stack).
   */
  readonly outputs?: boolean;
  /**
   * The folder `detections.rules` paths are relative to. Default: the folder of the configuration file
   * when the configuration came from `loadConfigFile`, else the working directory.
   */
  readonly configDir?: string;
}

const STORAGE_CLASSES: Record<SluiceConfig['bucket']['transitionStorageClass'], s3.StorageClass> = {
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
  GLACIER: s3.StorageClass.GLACIER,
};

/**
 * One sluice deployment, in any stack: the log bucket, its object queue, the forwarder, the ingest
 * pipeline when a source has `ingest`, the scheduled collectors when there are `collectors`, the
 * detection state table and alert topic when there are `detections`, and the alarms. `SluiceStack` (what `cdk deploy` of this
 * repository deploys) is a stack holding exactly this construct.
 */
export class Sluice extends Construct {
  /** The validated configuration, defaults filled in. */
  readonly config: SluiceConfig;
  readonly logBucket: LogStreamBucket;
  readonly objectQueue: ObjectQueue;
  readonly forwarder: Forwarder;
  /** Present when a source has `ingest`. */
  readonly ingest?: IngestPipeline;
  /** Present when the configuration has `collectors`. */
  readonly collectors?: Collectors;
  /** The detection state table and alert topic; present when the configuration has `detections`. */
  readonly detections?: Detections;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SluiceProps) {
    super(scope, id);
    const config = validatedConfig(props.config, `configuration of construct '${this.node.path}'`);
    this.config = config;
    const { bucket, detections } = config;
    // Compiled before anything is built: a rule that does not compile fails synth with its file:line:column.
    const rules = detectionRuleFilesOf(config, props.configDir);

    this.logBucket = new LogStreamBucket(this, 'LogBucket', {
      sources: [
        ...config.sources.map((source) => ({
          name: source.name,
          prefix: source.prefix,
          writers: source.writers,
          keyPrefixes: source.keyPrefixes,
          serviceWriter: source.serviceWriter,
        })),
        // Alert objects, written by the forwarder itself, come back through the object queue; only
        // `sluice-alerts/` is notified, as the quarantine may lie under the alerts prefix.
        ...(detections
          ? [
              {
                name: ALERTS_SOURCE_NAME,
                prefix: detections.alerts.prefix,
                writers: [],
                keyPrefixes: [alertsObjectPrefix(detections.alerts.prefix)],
              },
            ]
          : []),
      ],
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
      // AWS: six times the function timeout plus the batching window, during which Lambda's poller
      // holds the messages it gathers; without it a window longer than 6 × the timeout would let them
      // be received again (each receive counting towards the DLQ) before the batch is even invoked.
      visibilityTimeout: Duration.seconds(
        6 * config.forwarder.timeoutSeconds + config.forwarder.maxBatchingWindowSeconds,
      ),
      maxReceiveCount: config.forwarder.maxReceiveCount,
    });
    this.logBucket.notifyObjectCreated(new s3n.SqsDestination(this.objectQueue.queue));

    if (detections) {
      this.detections = new Detections(this, 'Detections', {
        routes: detections.routes,
        table: detections.table,
      });
    }

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
      detections:
        detections && this.detections
          ? {
              table: this.detections.table,
              alertsPrefix: detections.alerts.prefix,
              rules,
              alertTopic: this.detections.alertTopic,
              routeSecretArns: routeSecretArns(detections.routes),
            }
          : undefined,
    });

    const ingestSource = config.sources.find((source) => source.ingest);
    if (ingestSource?.ingest) {
      this.ingest = new IngestPipeline(this, 'Ingest', {
        bucket: this.logBucket.bucket,
        prefix: ingestSource.prefix,
        quarantinePrefix: config.quarantinePrefix,
        config: ingestSource.ingest,
      });
    }

    if (config.collectors.length > 0) {
      this.collectors = new Collectors(this, 'Collectors', {
        config,
        bucket: this.logBucket.bucket,
        encryptionKey: this.logBucket.encryptionKey,
      });
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
      ingest: this.ingest ? { endpointApi: this.ingest.endpoint?.api } : undefined,
      alarmEmail: config.monitoring.alarmEmail,
      maxMessageAge: Duration.minutes(config.monitoring.maxMessageAgeMinutes),
      collectors: config.collectors.map((collector) => ({
        name: collector.name,
        function: this.collectors!.functions.get(collector.name)!.function,
        everyMinutes: collector.everyMinutes,
        lagAlarm: Duration.minutes(collector.lagAlarmMinutes),
      })),
      detections: detections
        ? {
            routes: detections.routes.map((route, index) => routeNameOf(route, index)),
            table: this.detections?.table,
          }
        : undefined,
    });

    if (props.outputs ?? true) this.addOutputs();
    acknowledgeCdkProvidedResources(Stack.of(this));
  }

  /** The outputs the CLI reads, in the order the stack always declared them. */
  private addOutputs(): void {
    const output = (name: string, value: string, description?: string) =>
      // The CLI looks outputs up by name: keep it whatever this construct's path in the stack.
      new CfnOutput(this, name, { value, description }).overrideLogicalId(name);
    if (this.ingest) {
      output(OUTPUTS.ingestQueueUrl, this.ingest.queue.queue.queueUrl);
      output(OUTPUTS.ingestDeadLetterQueueUrl, this.ingest.queue.deadLetterQueue.queueUrl);
      if (this.ingest.endpoint) {
        output(OUTPUTS.ingestEndpointUrl, this.ingest.endpoint.url);
        output(OUTPUTS.ingestTokenSecretArn, this.ingest.endpoint.tokenSecret.secretArn);
      }
    }
    output(OUTPUTS.alarmTopicArn, this.monitoring.topic.topicArn);
    output(OUTPUTS.bucketName, this.logBucket.bucket.bucketName);
    output(OUTPUTS.objectQueueUrl, this.objectQueue.queue.queueUrl);
    output(OUTPUTS.objectDeadLetterQueueUrl, this.objectQueue.deadLetterQueue.queueUrl);
    output(OUTPUTS.forwarderFunctionName, this.forwarder.function.functionName);
    output(OUTPUTS.quarantinePrefix, this.config.quarantinePrefix);
    if (this.collectors) output(OUTPUTS.collectorTable, this.collectors.table.tableName);
    if (this.detections) output(OUTPUTS.detectionsTable, this.detections.table.tableName);
    if (this.detections?.alertTopic) output(OUTPUTS.alertTopicArn, this.detections.alertTopic.topicArn);
    for (const policy of this.logBucket.writerPolicies) {
      output(
        OUTPUTS.writerPolicy(policy.source),
        Stack.of(this).toJsonString(policy.document),
        `Bucket policy for source '${policy.source}': compare with what the vendor's admin UI shows`,
      );
    }
  }
}
