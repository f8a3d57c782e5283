import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { rolloverLookupEnabled, type DestinationConfig } from '../lambda/core/config/destinations';
import { keyPrefixesOf } from '../lambda/core/config/sources';
import { bulkUrl, clusterUrl } from '../lambda/core/sinks/elasticsearch/url';
import { DEFAULT_KEY_LAYOUT } from '../lambda/core/layout/key-pattern';
import {
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_FILE,
  type ForwarderRuntimeConfig,
} from '../lambda/forwarder/runtime-config';
import { fitsLambdaEnvironment, withBundledFiles, type BundledFile } from './bundled-files';
import { alertObjectArn, grantDetections, type ForwarderDetections } from './detections/forwarder-access';
import { detectionRulesFile } from './detections/rules-bundle';
import { handlerBundling, sluiceEnvironment, sluiceHandler } from './handler-location';
import { pascal } from '../lambda/core/config/spelling';
import { acknowledgeWildcardResources } from './nag';
import { FUNCTION_TIMEOUT_ENV } from '../lambda/adapters/request-bounds';
import { secretResourceArns } from './secret-arns';

export interface ForwarderProps {
  /** The log bucket: the forwarder reads the source prefixes and writes the quarantine prefix. */
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key, if it has one (`LogStreamBucket.encryptionKey`). Default: none (SSE-S3). */
  readonly encryptionKey?: kms.IKey;
  /** The object queue the bucket notifies; continuations of long objects are sent back to it. */
  readonly queue: sqs.IQueue;
  /** Sources, destinations and limits, from the validated configuration (`runtimeConfigOf(config)`). */
  readonly runtimeConfig: ForwarderRuntimeConfig;
  /** Default: 512. */
  readonly memoryMb?: number;
  /** Default: 300 s. The queue's visibility timeout must be at least 6 × this + `maxBatchingWindow`. */
  readonly timeout?: Duration;
  /** Default: 10. */
  readonly batchSize?: number;
  /** Default: none. */
  readonly maxBatchingWindow?: Duration;
  /** Default: unset (Lambda scales with the queue). */
  readonly maxConcurrency?: number;
  /** Default: unset. */
  readonly reservedConcurrency?: number;
  /** Default: 90 days. */
  readonly logRetention?: logs.RetentionDays;
  /** The detections stage and alert routes: state table, alert objects, topic, secrets, rules. Default: none. */
  readonly detections?: ForwarderDetections;
}

// Kept importable from here: the collectors and tests have always found it beside the forwarder.
export { secretResourceArns };

function secretArnsOf(destination: DestinationConfig): string[] {
  switch (destination.type) {
    case 'elasticsearch':
      return destination.auth.type === 'sigv4' ? [] : [destination.auth.secretArn];
    case 'sentinel':
      return [destination.clientSecretArn];
    default:
      return destination.tokenSecretArn ? [destination.tokenSecretArn] : [];
  }
}

/**
 * The forwarder: reads each new object named on the object queue and delivers its records to every
 * destination. Its role can read the source prefixes, write (and read) the quarantine prefix, read its own
 * secrets, consume (and re-enqueue continuations on) its queue, and nothing else.
 */
export class Forwarder extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ForwarderProps) {
    super(scope, id);
    const config = props.runtimeConfig;
    const serialized = JSON.stringify(config);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'sluice forwarder: read source objects, write quarantine, read destination secrets',
    });
    // Instead of AWSLambdaBasicExecutionRole: write to this function's log group only.
    this.logGroup.grantWrite(this.role);

    const bucketArn = props.bucket.bucketArn;
    // `<prefix>/*`, or what a bucket-root source's keys start with (its layout says).
    const sourceObjects = config.sources.flatMap((source) =>
      keyPrefixesOf(source.prefix, source.keyLayout ?? DEFAULT_KEY_LAYOUT).map(
        (prefix) => `${bucketArn}/${prefix}*`,
      ),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSourceObjects',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: sourceObjects,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteQuarantine',
        // GetObject: a retried object reads back the quarantine file an earlier attempt wrote, so
        // that it writes only the entries not in it yet.
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [`${bucketArn}/${config.quarantinePrefix}/*`],
      }),
    );
    const secretArns = [...new Set(config.destinations.flatMap(secretArnsOf))];
    if (secretArns.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadDestinationSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secretArns.flatMap(secretResourceArns),
        }),
      );
    }
    for (const destination of config.destinations) {
      if (destination.type !== 'elasticsearch' || destination.auth.type !== 'sigv4') continue;
      const { service, resourceArn } = destination.auth;
      // OpenSearch Service authorizes a request on the domain ARN followed by its path: the path the
      // sink posts to (`<url path>/_bulk`), not always `/_bulk`.
      const bulkPath = bulkUrl(destination.url, { filterPath: false }).pathname;
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: `WriteOpenSearch${pascal(destination.name)}`,
          actions: service === 'es' ? ['es:ESHttpPost'] : ['aoss:APIAccessAll'],
          resources: service === 'es' ? [resourceArn, `${resourceArn}${bulkPath}`] : [resourceArn],
        }),
      );
      if (service === 'es' && rolloverLookupEnabled(destination)) {
        // The rollover lookup reads each target's backing indices, an alias's write index, and searches
        // the target for ids.
        const cluster = clusterUrl(destination.url).pathname.replace(/\/+$/, '');
        const lookups = [
          `${resourceArn}${cluster}/*/_settings/index.creation_date`,
          `${resourceArn}${cluster}/_alias/*`,
          `${resourceArn}${cluster}/*/_search`,
        ];
        this.role.addToPolicy(
          new iam.PolicyStatement({
            sid: `LookUpOpenSearch${pascal(destination.name)}`,
            actions: ['es:ESHttpGet', 'es:ESHttpPost'],
            resources: lookups,
          }),
        );
        acknowledgeWildcardResources(
          this.role,
          lookups,
          "The data streams' names come from index templates ({source}, {logType}) and are only known per record; the paths are limited to one domain's settings and search endpoints, and the domain's fine-grained access control limits the indices.",
        );
      }
    }
    if (props.encryptionKey) {
      // Decrypt to read objects; GenerateDataKey to write quarantine entries under the bucket's key.
      props.encryptionKey.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey');
    }
    props.queue.grantSendMessages(this.role);
    const detections = props.detections;
    const detectionsEnvironment = detections ? grantDetections(this.role, bucketArn, detections) : {};
    const timeout = props.timeout ?? Duration.minutes(5);
    const environment: Record<string, string> = {
      SLUICE_BUCKET: props.bucket.bucketName,
      SLUICE_OBJECT_QUEUE_URL: props.queue.queueUrl,
      // Lambda tells a handler its time left, not its timeout: the S3 client is built before.
      [FUNCTION_TIMEOUT_ENV]: String(timeout.toSeconds()),
      ...sluiceEnvironment('sluice-forwarder'),
      ...detectionsEnvironment,
    };
    // Small enough: in the environment, where the console shows it. Else beside the handler
    // (RUNTIME_CONFIG_FILE), as Lambda allows 4 KB of variables in all.
    const configInEnvironment = fitsLambdaEnvironment({ ...environment, [RUNTIME_CONFIG_ENV]: serialized });
    const files: BundledFile[] = [
      ...(detections ? [detectionRulesFile(detections.rules)] : []),
      ...(configInEnvironment ? [] : [{ name: RUNTIME_CONFIG_FILE, text: serialized }]),
    ];
    this.function = withBundledFiles(
      files,
      (bundled) =>
        new nodejs.NodejsFunction(this, 'Function', {
          ...sluiceHandler('forwarder'),
          memorySize: props.memoryMb ?? 512,
          timeout,
          role: this.role,
          logGroup: this.logGroup,
          loggingFormat: lambda.LoggingFormat.JSON,
          reservedConcurrentExecutions: props.reservedConcurrency,
          description: 'sluice forwarder: S3 objects to SIEM destinations',
          environment: {
            ...(configInEnvironment ? { [RUNTIME_CONFIG_ENV]: serialized } : {}),
            ...environment,
          },
          bundling: handlerBundling(bundled),
        }),
    );
    acknowledgeWildcardResources(
      this.role,
      [...sourceObjects, `${bucketArn}/${config.quarantinePrefix}/*`],
      'Object names under a prefix are chosen per object (vendor or quarantine UUIDs), so they cannot be listed; access is limited to these prefixes of this one bucket.',
    );
    if (detections) {
      acknowledgeWildcardResources(
        this.role,
        [alertObjectArn(bucketArn, detections.alertsPrefix)],
        "Alert objects are named by a hash of the alert they hold, so their names cannot be listed; access is PutObject only, under the alerts prefix's sluice-alerts/ of this one bucket.",
      );
    }
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow: props.maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
  }
}
