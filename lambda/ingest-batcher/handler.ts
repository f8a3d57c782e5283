import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SDK_CLIENT_DEFAULTS } from '../adapters/aws-client-config';
import { ndjsonBody, planBatch, type IngestMessage, type PlannedObject } from '../core/ingest/batch-plan';
import { settleWithLimit } from '../core/ingest/concurrency';
import { LOG_TYPE_ATTRIBUTE } from '../core/ingest/events';
import { quarantineBody, quarantineKey } from '../core/ingest/quarantine';
import { errorMessage } from '../core/errors';
import { readBatcherConfig, type BatcherConfig } from './config';
import { batcherRequestHandler } from './request-timeouts';

const gzipAsync = promisify(gzip);

/** PutObject calls in flight at once. */
const WRITE_CONCURRENCY = 8;

export interface BatcherDependencies {
  readonly config: BatcherConfig;
  readonly s3: Pick<S3Client, 'send'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export type BatcherHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

function toIngestMessage(record: SQSRecord): IngestMessage {
  const logType = record.messageAttributes?.[LOG_TYPE_ATTRIBUTE]?.stringValue;
  return { id: record.messageId, body: record.body, ...(logType === undefined ? {} : { logType }) };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/**
 * Writes the events of one SQS batch as NDJSON objects (one per log type, cut at the object
 * limits) and reports as failed exactly the messages that have an event in an object that could
 * not be written; Lambda deletes the others. Messages that can never be written go to the
 * quarantine prefix and count as done. Retried messages may duplicate the events of theirs that
 * were written the first time (at-least-once).
 */
export function createBatcherHandler(deps: BatcherDependencies): BatcherHandler {
  const { config, s3, logger, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const planOptions = {
    prefix: config.prefix,
    gzip: config.gzip,
    maxEntriesPerObject: config.maxEntriesPerObject,
    maxBytesPerObject: config.maxBytesPerObject,
    defaultLogType: config.defaultLogType,
    allowed: config.allowedLogTypes,
    enrichment: config.enrichment,
  };

  const writeObject = async (object: PlannedObject): Promise<number> => {
    const text = ndjsonBody(object.lines);
    const body = config.gzip ? await gzipAsync(Buffer.from(text)) : Buffer.from(text);
    await s3.send(
      new PutObjectCommand({
        Bucket: config.bucketName,
        Key: object.key,
        Body: body,
        ContentType: config.gzip ? 'application/gzip' : 'application/x-ndjson',
        Metadata: { 'sluice-log-type': object.logType, 'sluice-entries': String(object.lines.length) },
      }),
    );
    return body.length;
  };

  return async (event, context) => {
    if (context) logger.addContext(context);
    const at = now();
    const plan = planBatch(event.Records.map(toIngestMessage), planOptions, at, newId);
    const failed = new Set<string>();

    if (plan.quarantined.length > 0) {
      const key = quarantineKey(config.quarantinePrefix, at, newId());
      const reasons = plan.quarantined.map(({ messageId, code, reason }) => ({ messageId, code, reason }));
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: config.bucketName,
            Key: key,
            Body: quarantineBody(plan.quarantined, at),
            ContentType: 'application/x-ndjson',
          }),
        );
        logger.warn('messages quarantined: their content can never be written', { key, messages: reasons });
        metrics.addMetric('IngestMessagesQuarantined', MetricUnit.Count, plan.quarantined.length);
      } catch (error) {
        for (const message of plan.quarantined) failed.add(message.messageId);
        logger.error('quarantine write failed; the messages will be retried', {
          key,
          messages: reasons,
          errorName: errorName(error),
          errorMessage: errorMessage(error),
        });
      }
    }

    const results = await settleWithLimit(plan.objects, WRITE_CONCURRENCY, writeObject);
    let eventsWritten = 0;
    let bytesWritten = 0;
    let objectsWritten = 0;
    results.forEach((result, index) => {
      const object = plan.objects[index];
      if (result.status === 'fulfilled') {
        objectsWritten++;
        eventsWritten += object.lines.length;
        bytesWritten += result.value;
        return;
      }
      for (const messageId of object.origins) failed.add(messageId);
      logger.error('object write failed; its messages will be retried', {
        key: object.key,
        logType: object.logType,
        entries: object.lines.length,
        messages: object.origins.length,
        errorName: errorName(result.reason),
        errorMessage: errorMessage(result.reason),
      });
    });

    const batchItemFailures = event.Records.filter((record) => failed.has(record.messageId)).map(
      (record) => ({
        itemIdentifier: record.messageId,
      }),
    );
    logger.info('batch done', {
      messages: event.Records.length,
      objectsWritten,
      eventsWritten,
      quarantined: plan.quarantined.length,
      failedMessages: batchItemFailures.length,
    });
    metrics.addMetric('IngestObjectsWritten', MetricUnit.Count, objectsWritten);
    metrics.addMetric('IngestEventsWritten', MetricUnit.Count, eventsWritten);
    metrics.addMetric('IngestBytesWritten', MetricUnit.Bytes, bytesWritten);
    metrics.addMetric('IngestMessagesFailed', MetricUnit.Count, batchItemFailures.length);
    metrics.publishStoredMetrics();
    return { batchItemFailures };
  };
}

let configured: BatcherHandler | undefined;

/** The Lambda entry point: configuration from the environment, read on the first invocation. */
export const handler: BatcherHandler = (event, context) => {
  configured ??= createBatcherHandler({
    config: readBatcherConfig(process.env),
    s3: new S3Client({ ...SDK_CLIENT_DEFAULTS, requestHandler: batcherRequestHandler(process.env) }),
    logger: new Logger({ serviceName: 'ingest-batcher' }),
    metrics: new Metrics({ namespace: 'Sluice', serviceName: 'ingest-batcher' }),
  });
  return configured(event, context);
};
