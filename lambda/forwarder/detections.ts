import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../adapters/aws-client-config';
import { DETECTION_TABLE_ENV } from '../adapters/detection-table';
import { DynamoDbAlertStore } from '../adapters/dynamodb-alert-store';
import { DynamoDbWindowStore } from '../adapters/dynamodb-window-store';
import { S3AlertObjectWriter } from '../adapters/s3-alert-writer';
import { SnsAlertPublisher } from '../adapters/sns-alert-publisher';
import { SluiceError } from '../core/errors';
import { HttpClient } from '../core/http/client';
import { buildRuleIndex, parseRuleFiles } from '../core/detections/load-rules';
import type { RuleFile } from '../core/detections/sigma/rule-set';
import { createDetectionFanout, type DetectionFanout } from '../core/detections/stage/detection-fanout';
import type { SecretSource } from '../core/sinks/types';
import { ALERT_TOPIC_ENV, DETECTION_RULES_FILE, DETECTION_RULES_FILE_ENV } from './detection-env';
import { forwarderRequestHandlers } from './request-timeouts';
import type { ForwarderRuntimeConfig } from './runtime-config';

export interface DetectionAdapters {
  readonly config: ForwarderRuntimeConfig;
  readonly rules: readonly RuleFile[];
  readonly env: NodeJS.ProcessEnv;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly secret: (arn: string) => SecretSource;
  /**
   * The DynamoDB client, and the SNS client for `sns` routes (called only when one is configured).
   * Default: clients built from `env` (the Lambda's; the CLI passes its own, which honour `--profile`).
   */
  readonly clients?: { readonly dynamodb: DynamoDBClient; readonly sns: () => SNSClient };
}

/** The rules the stack bundled beside the handler (or named by SLUICE_DETECTION_RULES_FILE). */
export function readBundledRules(env: NodeJS.ProcessEnv): RuleFile[] {
  const path = env[DETECTION_RULES_FILE_ENV] ?? join(__dirname, DETECTION_RULES_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SluiceError(
      'RULES_FILE_MISSING',
      `detections are configured but ${path} cannot be read (${(error as NodeJS.ErrnoException).code}). Fix: deploy the forwarder with the sluice stack, which bundles the rules`,
      { path },
    );
  }
  return parseRuleFiles(text, path);
}

/**
 * The Lambda's detection clients, built from its environment. A request to the table or the topic
 * that stalls fails within the forwarder's request timeout instead of holding the invocation until
 * its end (request-timeouts.ts).
 */
export function detectionClients(env: NodeJS.ProcessEnv): NonNullable<DetectionAdapters['clients']> {
  const handlers = forwarderRequestHandlers(env);
  return {
    // AWS_ENDPOINT_URL_DYNAMODB, when set, points DynamoDB alone elsewhere (a local table, a proxy).
    dynamodb: new DynamoDBClient({ ...awsClientConfig(env, 'DynamoDB'), requestHandler: handlers.dynamodb }),
    // One attempt per send: the alert sender retries within the deadline itself (SnsAlertPublisher).
    sns: () => new SNSClient({ ...awsClientConfig(env), maxAttempts: 1, requestHandler: handlers.sns }),
  };
}

/**
 * Detections over AWS: state in the stack's DynamoDB table, alert objects in the log bucket, routes
 * through Secrets Manager and the alert topic. Undefined when the configuration has no detections.
 */
export function createAwsDetections(adapters: DetectionAdapters): DetectionFanout | undefined {
  const { config, env } = adapters;
  const detections = config.detections;
  if (!detections) return undefined;
  const table = env[DETECTION_TABLE_ENV];
  if (!table) {
    throw new SluiceError(
      'RUNTIME_CONFIG_INVALID',
      `detections are configured but ${DETECTION_TABLE_ENV} is not set. Fix: deploy the forwarder with the sluice stack`,
    );
  }
  const clients = adapters.clients ?? detectionClients(env);
  const { dynamodb, sns } = clients;
  const topicArn = env[ALERT_TOPIC_ENV];
  return createDetectionFanout({
    index: buildRuleIndex(adapters.rules, config.sources),
    windows: new DynamoDbWindowStore(dynamodb, table),
    alerts: new DynamoDbAlertStore(dynamodb, table),
    writer: new S3AlertObjectWriter(adapters.s3, adapters.bucket),
    alertsPrefix: detections.alertsPrefix,
    dedupPeriodMs: detections.dedupPeriodMs,
    latenessMs: detections.latenessMs,
    routes: detections.routes,
    releasedBytes: releasedBytesOf(env),
    channels: {
      secret: adapters.secret,
      transport: () => new HttpClient({ maxSockets: 1 }),
      sns: topicArn ? { publisher: new SnsAlertPublisher(sns()), topicArn } : undefined,
    },
  });
}

/**
 * The stage's memory budget for the batches of objects that gave up their slot (WaveOptions.releasedBytes):
 * a sixteenth of the function's memory, 32 MiB at the default 512 MB (see DEFAULT_RELEASED_BYTES).
 * Undefined outside Lambda (the CLI): the default.
 */
export function releasedBytesOf(env: NodeJS.ProcessEnv): number | undefined {
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return Number.isFinite(memoryMb) && memoryMb > 0 ? Math.floor((memoryMb * 1024 * 1024) / 16) : undefined;
}
