import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import type { ForwarderLog } from '../../lambda/core/forward/process-message';
import { createBatcherHandler } from '../../lambda/ingest-batcher/handler';
import type { BatcherConfig } from '../../lambda/ingest-batcher/config';
import type { BatchHandler } from './sqs-event';

/** The batcher's metrics, counted in the process instead of printed as EMF. */
export class BatcherStats {
  readonly counts: Record<string, number> = {};

  get objectsWritten(): number {
    return this.counts.IngestObjectsWritten ?? 0;
  }

  get eventsWritten(): number {
    return this.counts.IngestEventsWritten ?? 0;
  }

  get messagesQuarantined(): number {
    return this.counts.IngestMessagesQuarantined ?? 0;
  }

  add(name: string, value: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
}

/** The ingest source's batcher settings, as the stack passes them to the batcher Lambda. */
export function batcherConfigOf(config: SluiceConfig, bucket: string): BatcherConfig | undefined {
  const source = config.sources.find((candidate) => candidate.ingest);
  const ingest = source?.ingest;
  if (!source || !ingest) return undefined;
  return {
    bucketName: bucket,
    prefix: source.prefix,
    quarantinePrefix: config.quarantinePrefix,
    maxEntriesPerObject: ingest.maxEntriesPerObject,
    maxBytesPerObject: ingest.maxBytesPerObject,
    gzip: ingest.gzip,
    defaultLogType: ingest.defaultLogType,
    allowedLogTypes: ingest.allowedLogTypes ? new Set(ingest.allowedLogTypes) : undefined,
    enrichment: ingest.enrichment,
  };
}

/**
 * The batch size and window of the batcher's event source mapping, as the stack deploys them from
 * the ingest source's configuration (defaults: 1,000 messages, 10 s).
 */
export function ingestBatchingOf(config: SluiceConfig): {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
} {
  const ingest = config.sources.find((candidate) => candidate.ingest)?.ingest;
  return {
    batchSize: ingest?.batchSize ?? 1000,
    batchingWindowSeconds: ingest?.maxBatchingWindowSeconds ?? 10,
  };
}

/**
 * The batcher Lambda's handler, with its log lines on the CLI's log and its metrics counted in
 * `stats`. The handler uses four methods of Powertools' Logger and two of Metrics; these adapters
 * provide exactly those.
 */
export function createLocalBatcher(options: {
  readonly config: BatcherConfig;
  readonly s3: S3Client;
  readonly log: ForwarderLog;
  readonly stats: BatcherStats;
}): BatchHandler {
  const logger = {
    addContext: () => undefined,
    info: (message: string, fields?: Record<string, unknown>) => options.log.info(message, fields),
    warn: (message: string, fields?: Record<string, unknown>) => options.log.warn(message, fields),
    error: (message: string, fields?: Record<string, unknown>) => options.log.error(message, fields),
  } as unknown as Logger;
  const metrics = {
    addMetric: (name: string, _unit: unknown, value: number) => options.stats.add(name, value),
    publishStoredMetrics: () => undefined,
  } as unknown as Metrics;
  const handler = createBatcherHandler({ config: options.config, s3: options.s3, logger, metrics });
  return (event, context) => handler(event, context);
}
