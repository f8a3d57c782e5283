import { Aws, Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { CollectorConfig } from '../../lambda/core/collectors/config';
import { COLLECTOR_ENV } from '../../lambda/collector/env';
import {
  COLLECTOR_CONFIG_ENV,
  COLLECTOR_CONFIG_FILE,
  type CollectorRuntimeConfig,
} from '../../lambda/collector/runtime-config';
import { fitsLambdaEnvironment, withBundledFiles } from '../bundled-files';
import { secretResourceArns } from '../forwarder';
import { handlerBundling, sluiceEnvironment, sluiceHandler } from '../handler-location';
import { acknowledgeWildcardResources } from '../nag';

export interface CollectorFunctionProps {
  /** The collector's configuration and its source's prefix (`collectorRuntimeConfigOf`). */
  readonly runtimeConfig: CollectorRuntimeConfig;
  /** The log bucket: the function may only put objects under `<prefix>/<logType>/`. */
  readonly bucket: s3.IBucket;
  /** The bucket's KMS key, if it has one. Default: none (SSE-S3). */
  readonly encryptionKey?: kms.IKey;
  /** The checkpoint table: the function may only read and update its own item. */
  readonly table: dynamodb.ITable;
  /** Default: 512. */
  readonly memoryMb?: number;
  /** Default: 90 days. */
  readonly logRetention?: logs.RetentionDays;
}

/** The Secrets Manager ARNs a collector reads: its credentials and nothing else. */
export function collectorSecretArns(config: CollectorConfig): string[] {
  switch (config.type) {
    case 'cirrus-siem':
      return [config.credentialsSecretArn];
    case 'stellarbridge-events':
      return [config.loginSecretArn];
    case 'http-json':
      return config.auth.type === 'none' ? [] : [config.auth.secretArn];
  }
}

/** `rate(…)` as EventBridge Scheduler writes it: singular for one unit. */
export function rateExpression(minutes: number): string {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return `rate(${hours} ${hours === 1 ? 'hour' : 'hours'})`;
  }
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}

/**
 * One collector: its function, run every `everyMinutes` by an EventBridge Scheduler schedule. Runs
 * never overlap thanks to the lease in the checkpoint table (which also keeps `sluice collect` on an
 * operator's machine from overlapping a scheduled run), so no reserved concurrency is taken from the
 * account. Its role may put objects under its own `<prefix>/<logType>/` only, update its own
 * checkpoint item only, read its own secrets, and write its own logs.
 */
export class CollectorFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: CollectorFunctionProps) {
    super(scope, id);
    const { collector, prefix } = props.runtimeConfig;
    const serialized = JSON.stringify(props.runtimeConfig);
    const environment: Record<string, string> = {
      [COLLECTOR_ENV.bucket]: props.bucket.bucketName,
      [COLLECTOR_ENV.table]: props.table.tableName,
      ...sluiceEnvironment('sluice-collector'),
    };
    // Small enough: in the environment, where the console shows it. Else beside the handler
    // (COLLECTOR_CONFIG_FILE), as Lambda allows 4 KB of variables in all.
    const configInEnvironment = fitsLambdaEnvironment({ ...environment, [COLLECTOR_CONFIG_ENV]: serialized });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `sluice collector ${collector.name}: write its objects, keep its checkpoint, read its secrets`,
    });
    this.logGroup.grantWrite(this.role);

    const objects = `${props.bucket.bucketArn}/${prefix}/${collector.logType}/*`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteCollectedObjects',
        actions: ['s3:PutObject'],
        resources: [objects],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnCheckpoint',
        // The lease, the checkpoint and the run's outcome are conditional updates of its own item
        // (the lease's update returns the item): nothing else is read or written.
        actions: ['dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [collector.name] } },
      }),
    );
    const secretArns = collectorSecretArns(collector);
    if (secretArns.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadCollectorSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secretArns.flatMap(secretResourceArns),
        }),
      );
    }
    // Writes under the bucket's key: S3 asks KMS for a data key on the role's behalf.
    props.encryptionKey?.grant(this.role, 'kms:GenerateDataKey');
    acknowledgeWildcardResources(
      this.role,
      [objects],
      "Collected objects are named by a hash of the events they hold, so their names cannot be listed; access is PutObject only, under this collector's own prefix and log type of this one bucket.",
    );

    const timeout = Duration.seconds(collector.runTimeoutSeconds);
    const files = configInEnvironment ? [] : [{ name: COLLECTOR_CONFIG_FILE, text: serialized }];
    this.function = withBundledFiles(
      files,
      (bundled) =>
        new nodejs.NodejsFunction(this, 'Function', {
          ...sluiceHandler('collector'),
          memorySize: props.memoryMb ?? 512,
          timeout,
          role: this.role,
          logGroup: this.logGroup,
          loggingFormat: lambda.LoggingFormat.JSON,
          description: `sluice collector ${collector.name}: ${collector.type} API to s3://…/${prefix}/${collector.logType}/`,
          environment: {
            ...(configInEnvironment ? { [COLLECTOR_CONFIG_ENV]: serialized } : {}),
            ...environment,
          },
          bundling: handlerBundling(bundled),
        }),
    );
    // The next scheduled run is the retry: a run repeated at once would find the same problem, and
    // runs queued behind a throttle would only wait for the lease.
    this.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.min(6 * 3600, Math.max(60, collector.everyMinutes * 60))),
    });

    const schedulerRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `sluice collector ${collector.name}: EventBridge Scheduler invokes its function`,
    });
    schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.functionArn],
      }),
    );
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `sluice collector ${collector.name}, every ${collector.everyMinutes} minute(s)`,
      scheduleExpression: rateExpression(collector.everyMinutes),
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.function.functionArn,
        roleArn: schedulerRole.roleArn,
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      },
    });
  }
}
