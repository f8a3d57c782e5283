import { z } from 'zod';
import { LOG_TYPE_PATTERN } from '../layout/key-layout';
import { secretArn } from './destinations';

const logType = z.string().regex(LOG_TYPE_PATTERN, 'must be 1-64 letters, digits, - or _');

/** First-party applications' way in: an SQS ingest queue, a batcher, and an optional HTTPS endpoint. */
export const ingestConfig = z.strictObject({
  /** Log type of events without a `logType` field. Default: none (such events are refused). */
  defaultLogType: logType.optional(),
  /** The log types events may use. Default: any valid name. */
  allowedLogTypes: z.array(logType).min(1).optional(),
  /** Fields added to events that lack them (never overwritten), as seed 000's shipper does. */
  enrichment: z
    .strictObject({
      source: z.string().min(1).optional(),
      app: z.string().min(1).optional(),
      env: z.string().min(1).optional(),
    })
    .optional(),
  /** Write `.json.gz` objects. Default: false. */
  gzip: z.boolean().default(false),
  /** Default: 1000 events per object (the vendor's rule). */
  maxEntriesPerObject: z.number().int().min(1).max(100_000).default(1000),
  /** Default: 100 MiB per object. */
  maxBytesPerObject: z
    .number()
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(100 * 1024 * 1024),
  /** Messages per batcher invocation. Default: 1000 (up to 10,000). */
  batchSize: z.number().int().min(1).max(10_000).default(1000),
  /** Default: 10 s (up to 300 s). */
  maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(10),
  /** Default: 60 s. */
  timeoutSeconds: z.number().int().min(10).max(900).default(60),
  /** Default: 512 MB. */
  memoryMb: z.number().int().min(128).max(10_240).default(512),
  /** Receives before an ingest message moves to the ingest DLQ. Default: 5. */
  maxReceiveCount: z.number().int().min(5).max(1000).default(5),
  /** The HTTPS endpoint (API Gateway HTTP API). Default: enabled, with a generated token secret. */
  endpoint: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Secret holding the producers' token. Default: a new secret with a generated token. */
      tokenSecretArn: secretArn.optional(),
      /** Default: 4 MiB per request after decompression. */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .max(6 * 1024 * 1024)
        .default(4 * 1024 * 1024),
      /** Requests per second (API Gateway throttling; excess gets 429). Default: 50. */
      rateLimit: z.number().min(1).max(10_000).default(50),
      /** Default: 100. */
      burstLimit: z.number().int().min(1).max(5_000).default(100),
    })
    .prefault({}),
});

export type IngestConfig = z.output<typeof ingestConfig>;
