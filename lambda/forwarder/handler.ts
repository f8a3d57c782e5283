import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsClientConfig } from '../adapters/aws-client-config';
import { S3ObjectSource } from '../adapters/s3-object-source';
import { S3QuarantineWriter } from '../adapters/s3-quarantine';
import { SecretsManagerSecrets } from '../adapters/secrets-manager';
import { SqsContinuationQueue } from '../adapters/sqs-continuation-queue';
import { createSigV4Signer } from '../adapters/sigv4-signer';
import { errorCode, errorMessage } from '../core/errors';
import { invocationSchedule } from '../core/forward/object-slots';
import { processMessage, type MessageDependencies } from '../core/forward/process-message';
import { createSink } from '../core/sinks/create-sink';
import type { SinkLog } from '../core/sinks/types';
import { ForwarderMetrics } from './metrics';
import { readRuntimeConfig } from './runtime-config';
import { deadlinesFor } from './deadlines';
import { createAwsDetections, readBundledRules } from './detections';
import { forwarderRequestHandlers } from './request-timeouts';

const logger = new Logger({ serviceName: 'sluice-forwarder' });

/** What the CLI and tests may add to a handler. */
export interface HandlerHooks {
  /** Also told every warning the sinks log (the forwarder's logger always is). Default: none. */
  readonly sinkLog?: SinkLog;
}

/** Built once per execution environment so keep-alive sockets and cached secrets survive between invocations. */
function createRuntime(env: NodeJS.ProcessEnv, hooks: HandlerHooks) {
  const config = readRuntimeConfig(env);
  const bucket = requiredEnv(env, 'SLUICE_BUCKET');
  const queueUrl = requiredEnv(env, 'SLUICE_OBJECT_QUEUE_URL');
  const aws = awsClientConfig(env);
  // A stalled object stream must fail the message, and a stalled continuation, delete or secret read
  // must fail within the time kept for them, not run the invocation into its timeout.
  const requestHandlers = forwarderRequestHandlers(env);
  // Path-style addressing for S3-compatible endpoints (moto, MinIO) named by AWS_ENDPOINT_URL.
  const s3 = new S3Client({
    ...aws,
    forcePathStyle: env.SLUICE_S3_FORCE_PATH_STYLE === 'true',
    requestHandler: requestHandlers.s3,
  });
  const sqs = new SQSClient({ ...aws, requestHandler: requestHandlers.sqs });
  const secrets = new SecretsManagerSecrets(
    new SecretsManagerClient({ ...aws, requestHandler: requestHandlers.secretsManager }),
  );
  const secret = (arn: string) => secrets.source(arn);
  const detections = config.detections
    ? createAwsDetections({ config, rules: readBundledRules(env), env, s3, bucket, secret })
    : undefined;
  const destinations = [
    ...config.destinations.map((destination) => ({
      sink: createSink(destination, {
        secret,
        signer: createSigV4Signer,
        log: {
          warn: (message, fields) => {
            logger.warn(message, { ...fields });
            hooks.sinkLog?.warn(message, fields);
          },
        },
      }),
      logTypes: destination.logTypes,
      maxInFlight: destination.maxConcurrency,
    })),
    ...(detections?.destinations ?? []),
  ];
  return {
    config,
    destinations,
    detections: detections?.hook,
    objects: new S3ObjectSource(s3),
    quarantine: new S3QuarantineWriter(s3, bucket, config.quarantinePrefix),
    continuations: new SqsContinuationQueue(sqs, queueUrl),
    deleteMessage: async (receiptHandle: string) => {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    },
  };
}

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set; deploy the forwarder with the sluice stack`);
  return value;
}

type Runtime = ReturnType<typeof createRuntime>;

/** A handler with its own runtime, built from `env` on first use (the CLI and tests build their own). */
export function createHandler(env: NodeJS.ProcessEnv = process.env, hooks: HandlerHooks = {}) {
  let runtime: Runtime | undefined;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    runtime ??= createRuntime(env, hooks);
    return handleEvent(runtime, event, context);
  };
}

export const handler = createHandler();

/**
 * Deletes a message whose work went on in a continuation, before the rest of the batch is done. A
 * failed delete is logged, never thrown: the continuation is already out, so failing the message
 * would bring it back beside its continuation (two chains delivering the same records). Reported
 * as done, Lambda deletes it with the batch; only a crash before then can still bring it back.
 */
async function acknowledge(runtime: Runtime, record: SQSRecord): Promise<void> {
  try {
    await runtime.deleteMessage(record.receiptHandle);
  } catch (error) {
    logger.warn('message handed to a continuation could not be deleted early; Lambda deletes it', {
      messageId: record.messageId,
      code: errorCode(error),
      error: errorMessage(error),
    });
  }
}

async function handleEvent(runtime: Runtime, event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { config } = runtime;
  const metrics = new ForwarderMetrics();
  const deadlines = deadlinesFor(Date.now(), context.getRemainingTimeInMillis());
  const log = {
    info: (message: string, fields?: Record<string, unknown>) => logger.info(message, { ...fields }),
    warn: (message: string, fields?: Record<string, unknown>) => logger.warn(message, { ...fields }),
    error: (message: string, fields?: Record<string, unknown>) => logger.error(message, { ...fields }),
  };
  const deps: MessageDependencies = {
    sources: config.sources,
    destinations: runtime.destinations,
    detections: runtime.detections,
    objects: runtime.objects,
    quarantine: runtime.quarantine,
    continuations: {
      send: async (bodies) => {
        await runtime.continuations.send(bodies);
        metrics.continuationsSent(bodies.length);
      },
    },
    maxRecordBytes: config.maxRecordBytes,
    maxObjectBytes: config.maxObjectBytes,
    now: Date.now,
    stopReadingAt: deadlines.stopReadingAt,
    deliveryDeadline: deadlines.deliveryDeadline,
    // The batch's objects start one after another and share each destination's requests in flight.
    ...invocationSchedule({
      destinations: runtime.destinations,
      now: Date.now,
      stopReadingAt: deadlines.stopReadingAt,
      deliveryDeadline: deadlines.deliveryDeadline,
    }),
    observer: metrics,
    log,
    onObject: (summary) => metrics.object(summary),
  };

  const handleRecord = async (record: SQSRecord) => {
    try {
      await processMessage(record.body, deps, {
        acknowledge: () => acknowledge(runtime, record),
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
      });
    } catch (error) {
      metrics.messageFailed();
      logger.error('message failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        code: errorCode(error),
        error: errorMessage(error),
      });
      throw error;
    }
  };
  try {
    return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
  } finally {
    metrics.publish();
  }
}
