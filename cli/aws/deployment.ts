import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SluiceError } from '../../lambda/core/errors';

/**
 * The stack outputs the CLI reads (`OUTPUTS` in lib/sluice-stack.ts; a unit test keeps the two equal).
 * Duplicated so the CLI does not load aws-cdk-lib.
 */
export const OUTPUT_NAMES = {
  bucketName: 'BucketName',
  objectQueueUrl: 'ObjectQueueUrl',
  objectDeadLetterQueueUrl: 'ObjectDeadLetterQueueUrl',
  quarantinePrefix: 'QuarantinePrefix',
  forwarderFunctionName: 'ForwarderFunctionName',
  ingestQueueUrl: 'IngestQueueUrl',
  ingestDeadLetterQueueUrl: 'IngestDeadLetterQueueUrl',
  collectorTable: 'CollectorTable',
  detectionsTable: 'DetectionsTable',
  alertTopicArn: 'AlertTopicArn',
} as const;

/** Environment variables that name a deployment without CloudFormation (self-hosted, containers). */
export const DEPLOYMENT_ENV = {
  bucket: 'SLUICE_BUCKET',
  objectQueueUrl: 'SLUICE_OBJECT_QUEUE_URL',
  objectDeadLetterQueueUrl: 'SLUICE_OBJECT_DLQ_URL',
  ingestQueueUrl: 'SLUICE_INGEST_QUEUE_URL',
  ingestDeadLetterQueueUrl: 'SLUICE_INGEST_DLQ_URL',
  quarantinePrefix: 'SLUICE_QUARANTINE_PREFIX',
  collectorTable: 'SLUICE_COLLECTOR_TABLE',
  detectionsTable: 'SLUICE_DETECTIONS_TABLE',
  alertTopicArn: 'SLUICE_ALERT_TOPIC_ARN',
} as const;

export interface QueuePair {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl?: string;
}

/** Where one sluice deployment keeps its objects and messages. */
export interface Deployment {
  /** `stack <name>` or `environment`. */
  readonly origin: string;
  readonly stackName?: string;
  readonly bucket: string;
  readonly objects: QueuePair;
  readonly ingest?: QueuePair;
  readonly quarantinePrefix: string;
  readonly forwarderFunctionName?: string;
  /** The collectors' checkpoint table, when the deployment has collectors. */
  readonly collectorTable?: string;
  /** The detection state table, when the deployment has detections. */
  readonly detectionsTable?: string;
  /** The topic of `sns` alert routes, when a route has one. */
  readonly alertTopicArn?: string;
}

/**
 * A deployment named by `SLUICE_BUCKET` and `SLUICE_OBJECT_QUEUE_URL` (and the optional others);
 * undefined when neither is set. One without the other is a configuration error, not a reason to look
 * for a stack the operator did not mean.
 */
export function deploymentFromEnv(env: NodeJS.ProcessEnv, quarantinePrefix: string): Deployment | undefined {
  const bucket = env[DEPLOYMENT_ENV.bucket];
  const queueUrl = env[DEPLOYMENT_ENV.objectQueueUrl];
  if (!bucket && !queueUrl) return undefined;
  if (!bucket || !queueUrl) {
    const [set, missing, output] = bucket
      ? [DEPLOYMENT_ENV.bucket, DEPLOYMENT_ENV.objectQueueUrl, OUTPUT_NAMES.objectQueueUrl]
      : [DEPLOYMENT_ENV.objectQueueUrl, DEPLOYMENT_ENV.bucket, OUTPUT_NAMES.bucketName];
    throw new SluiceError(
      'DEPLOYMENT_ENV_INCOMPLETE',
      `${set} is set but ${missing} is not: without CloudFormation the two together name the deployment. Fix: set ${missing} (the stack's ${output} output), or unset ${set} to read the stack's outputs`,
      { missing },
    );
  }
  const ingestUrl = env[DEPLOYMENT_ENV.ingestQueueUrl];
  return {
    origin: 'environment',
    bucket,
    objects: { queueUrl, deadLetterQueueUrl: env[DEPLOYMENT_ENV.objectDeadLetterQueueUrl] || undefined },
    ingest: ingestUrl
      ? { queueUrl: ingestUrl, deadLetterQueueUrl: env[DEPLOYMENT_ENV.ingestDeadLetterQueueUrl] || undefined }
      : undefined,
    quarantinePrefix: env[DEPLOYMENT_ENV.quarantinePrefix] || quarantinePrefix,
    collectorTable: env[DEPLOYMENT_ENV.collectorTable] || undefined,
    detectionsTable: env[DEPLOYMENT_ENV.detectionsTable] || undefined,
    alertTopicArn: env[DEPLOYMENT_ENV.alertTopicArn] || undefined,
  };
}

/**
 * The bucket `SLUICE_BUCKET` names, for commands that only read the bucket (`sluice detect
 * backtest`): they need no queue, so the bucket alone is enough. Undefined when it is not set.
 */
export function bucketFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env[DEPLOYMENT_ENV.bucket] || undefined;
}

/** Reads a deployed stack's outputs. */
export async function deploymentFromStack(
  cloudFormation: CloudFormationClient,
  stackName: string,
  defaults: { quarantinePrefix: string; region?: string },
): Promise<Deployment> {
  let outputs: Map<string, string>;
  try {
    const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = response.Stacks?.[0];
    if (!stack) throw Object.assign(new Error('no stack'), { name: 'ValidationError' });
    outputs = new Map(
      (stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ValidationError') {
      throw new SluiceError(
        'STACK_NOT_FOUND',
        `stack '${stackName}' not found in region ${defaults.region ?? '(default)'}. Fix: pass --stack <name> (or set stackName in the config), check --region/AWS_REGION and --profile, or name the deployment with ${DEPLOYMENT_ENV.bucket} and ${DEPLOYMENT_ENV.objectQueueUrl}`,
        { stackName },
      );
    }
    throw error;
  }
  const required = (name: string): string => {
    const value = outputs.get(name);
    if (!value) {
      throw new SluiceError(
        'STACK_OUTPUT_MISSING',
        `stack '${stackName}' has no output '${name}': it was not deployed by this version of sluice. Fix: redeploy with npx cdk deploy`,
        { stackName, output: name },
      );
    }
    return value;
  };
  const optional = (name: string): string | undefined => outputs.get(name) || undefined;
  const ingestUrl = optional(OUTPUT_NAMES.ingestQueueUrl);
  return {
    origin: `stack ${stackName}`,
    stackName,
    bucket: required(OUTPUT_NAMES.bucketName),
    objects: {
      queueUrl: required(OUTPUT_NAMES.objectQueueUrl),
      deadLetterQueueUrl: optional(OUTPUT_NAMES.objectDeadLetterQueueUrl),
    },
    ingest: ingestUrl
      ? { queueUrl: ingestUrl, deadLetterQueueUrl: optional(OUTPUT_NAMES.ingestDeadLetterQueueUrl) }
      : undefined,
    quarantinePrefix: optional(OUTPUT_NAMES.quarantinePrefix) ?? defaults.quarantinePrefix,
    forwarderFunctionName: optional(OUTPUT_NAMES.forwarderFunctionName),
    collectorTable: optional(OUTPUT_NAMES.collectorTable),
    detectionsTable: optional(OUTPUT_NAMES.detectionsTable),
    alertTopicArn: optional(OUTPUT_NAMES.alertTopicArn),
  };
}
