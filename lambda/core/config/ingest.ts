import * as z from 'zod';
import { LOG_TYPE_PATTERN } from '../layout/key-layout';
import { secretArn } from './destinations';

const logType = z.string().regex(LOG_TYPE_PATTERN, 'must be 1-64 letters, digits, - or _');

const enrichmentValue = (field: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(`Value of the \`${field}\` field added to events that have none. Default: none.`);

/** First-party applications' way in: an SQS ingest queue, a batcher, and an optional HTTPS endpoint. */
export const ingestConfig = z
  .strictObject({
    defaultLogType: logType
      .optional()
      .describe('Log type of events without a `logType` field. Default: none (such events are refused).'),
    allowedLogTypes: z
      .array(logType)
      .min(1)
      .optional()
      .describe('The log types events may use. Default: any valid name (1-64 letters, digits, - or _).'),
    enrichment: z
      .strictObject({
        source: enrichmentValue('source'),
        app: enrichmentValue('app'),
        env: enrichmentValue('env'),
      })
      .optional()
      .describe(
        "Fields added to events that lack them, never overwriting (as seed 000's shipper does). Default: none.",
      ),
    gzip: z.boolean().default(false).describe('Write `.json.gz` objects. Default: `false`.'),
    maxEntriesPerObject: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe("Events per object (the vendor's rule). Default: `1000`."),
    maxBytesPerObject: z
      .number()
      .int()
      .min(1024)
      .max(1024 ** 3)
      .default(100 * 1024 * 1024)
      .describe('Bytes per object, uncompressed. Default: `104857600` (100 MiB).'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe('Messages per batcher invocation (up to 10,000). Default: `1000`.'),
    maxBatchingWindowSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(10)
      .describe('Seconds the batcher waits to fill a batch (up to 300). Default: `10`.'),
    timeoutSeconds: z
      .number()
      .int()
      .min(10)
      .max(900)
      .default(60)
      .describe(
        "Batcher timeout in seconds; the ingest queue's visibility timeout is 6 × this + the batching window. Default: `60`.",
      ),
    memoryMb: z
      .number()
      .int()
      .min(128)
      .max(10_240)
      .default(512)
      .describe('Batcher memory in MB. Default: `512`.'),
    maxReceiveCount: z
      .number()
      .int()
      .min(5)
      .max(1000)
      .default(5)
      .describe('Receives before an ingest message moves to the ingest DLQ. Default: `5`.'),
    endpoint: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Create the HTTPS endpoint. Default: `true`.'),
        tokenSecretArn: secretArn
          .optional()
          .describe(
            "Secrets Manager secret holding the producers' token. Default: a new secret with a generated 48-character token.",
          ),
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(6 * 1024 * 1024)
          .default(4 * 1024 * 1024)
          .describe(
            "Largest request body after gzip decompression, in bytes. An uncompressed body above about 4.4 MiB never reaches the function (Lambda's 6 MiB invocation payload holds the request with its body base64-encoded): API Gateway refuses it with its own error, not `BODY_TOO_LARGE`. Above that only gzip bodies reach the limit. Default: `4194304` (4 MiB).",
          ),
        rateLimit: z
          .number()
          .min(1)
          .max(10_000)
          .default(50)
          .describe('Requests per second (API Gateway throttling; excess requests get 429). Default: `50`.'),
        burstLimit: z
          .number()
          .int()
          .min(1)
          .max(5_000)
          .default(100)
          .describe(
            'Requests API Gateway accepts at once above the steady rate (excess requests get 429). Default: `100`.',
          ),
      })
      .prefault({})
      .describe(
        'The HTTPS endpoint (API Gateway HTTP API) producers POST events to. Default: `{}` (enabled, with a generated token secret).',
      ),
  })
  .superRefine((ingest, ctx) => {
    // The batcher's construct refuses it too, but only here can the refusal name the field to change.
    const { batchSize, maxBatchingWindowSeconds: window } = ingest;
    if (typeof batchSize !== 'number' || batchSize <= 10 || window !== 0) return;
    ctx.addIssue({
      code: 'custom',
      path: ['maxBatchingWindowSeconds'],
      message: `must be at least 1 when batchSize (${batchSize}) is above 10 (a Lambda rule). Fix: set a batching window, or a batchSize of 10 or less`,
    });
  })
  .describe(
    "Makes this source the one your own applications write, through sluice's ingest queue, batcher and HTTPS endpoint.",
  );

export type IngestConfig = z.output<typeof ingestConfig>;
