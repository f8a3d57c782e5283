import { z } from 'zod';
import { prefixesOverlap } from '../layout/key-layout';
import { destinationConfig } from './destinations';
import { keyPrefix, sourceConfig } from './sources';

const days = z.number().int().min(1).max(36_500);

export const bucketConfig = z.strictObject({
  /** Bucket name. Default: `sluice-logs-<account>-<region>` (stable, so it can be typed into the vendor's UI). */
  name: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'is not a valid S3 bucket name (3-63 lower-case letters, digits, . and -)',
    )
    .optional(),
  /** `s3-managed` (SSE-S3) or `kms` (a customer-managed key with rotation, created by the stack). Default: `s3-managed`. */
  encryption: z.enum(['s3-managed', 'kms']).default('s3-managed'),
  /** Days objects are kept before expiry. Default: 395 (a year of SOC 2 evidence plus a month of margin). */
  retentionDays: days.default(395),
  /** Days before objects move to `transitionStorageClass`. Default: 30. */
  transitionDays: days.default(30),
  /** Default: `STANDARD_IA`. */
  transitionStorageClass: z
    .enum(['STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER'])
    .default('STANDARD_IA'),
  /** Days a replaced or deleted object version is kept. Default: 30. */
  noncurrentVersionDays: days.default(30),
  /** Versioning. Default: true (required by Object Lock). */
  versioned: z.boolean().default(true),
  /** Object Lock for tamper evidence. Default: off. */
  objectLock: z
    .strictObject({
      mode: z.enum(['governance', 'compliance']),
      days,
    })
    .optional(),
  /** Days the server access logs are kept. Default: 395. */
  accessLogRetentionDays: days.default(395),
});

export const forwarderConfig = z.strictObject({
  /** Default: 512 MB (memory stays flat whatever the object size; raise it for more CPU). */
  memoryMb: z.number().int().min(256).max(10_240).default(512),
  /** Default: 300 s. Long objects continue in a new invocation from the last delivered offset. */
  timeoutSeconds: z.number().int().min(30).max(900).default(300),
  /** Notifications per invocation. Default: 10. */
  batchSize: z.number().int().min(1).max(10_000).default(10),
  /** Default: 0 s (forward as soon as an object lands). Above 0 allows batchSize > 10. */
  maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(0),
  /** Event-source maximum concurrency (2-1000). Default: unset (Lambda scales freely). */
  maxConcurrency: z.number().int().min(2).max(1000).optional(),
  /** Reserved concurrency for the function. Default: unset. */
  reservedConcurrency: z.number().int().min(1).max(1000).optional(),
  /** Receives before a notification moves to the DLQ. Default: 5. */
  maxReceiveCount: z.number().int().min(5).max(1000).default(5),
  /** A record larger than this is quarantined. Default: 8 MiB. */
  maxRecordBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /** Decompressed size above which an object is refused (gzip bomb guard). Default: 16 GiB. */
  maxObjectBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(16 * 1024 ** 3),
});

export const monitoringConfig = z.strictObject({
  /** Subscribe this address to the alarm topic. Default: none (subscribe yourself). */
  alarmEmail: z.email('must be an e-mail address').optional(),
  /** Alarm when a queue's oldest message is older than this. Default: 15. */
  maxMessageAgeMinutes: z.number().int().min(1).max(20_160).default(15),
});

export const sluiceConfig = z
  .strictObject({
    /** CloudFormation stack name. Default: `Sluice`. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'is not a valid stack name')
      .default('Sluice'),
    bucket: bucketConfig.prefault({}),
    sources: z
      .array(sourceConfig)
      .min(1, 'needs at least one source. Fix: add {"name","prefix","preset"|"principals"}'),
    destinations: z.array(destinationConfig).default([]),
    /** Where records that cannot be delivered are written, with the reason. Default: `sluice/quarantine`. */
    quarantinePrefix: keyPrefix.default('sluice/quarantine'),
    forwarder: forwarderConfig.prefault({}),
    monitoring: monitoringConfig.prefault({}),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.sources.forEach((source, index) => {
      const first = seen.get(source.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', index, 'name'],
          message: `duplicates sources[${first}].name '${source.name}'. Fix: give every source its own name`,
        });
      }
      seen.set(source.name, index);
      config.sources.slice(0, index).forEach((other, otherIndex) => {
        if (prefixesOverlap(source.prefix, other.prefix)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sources', index, 'prefix'],
            message: `'${source.prefix}' overlaps sources[${otherIndex}].prefix '${other.prefix}'. Fix: use prefixes where neither contains the other`,
          });
        }
      });
      if (prefixesOverlap(source.prefix, config.quarantinePrefix)) {
        ctx.addIssue({
          code: 'custom',
          path: ['quarantinePrefix'],
          message: `'${config.quarantinePrefix}' overlaps sources[${index}].prefix '${source.prefix}'. Fix: keep quarantined records outside every source prefix`,
        });
      }
    });
    const ingestSources = config.sources.filter((source) => source.ingest);
    if (ingestSources.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources'],
        message: `${ingestSources.length} sources have "ingest"; one stack has one ingest queue and endpoint. Fix: keep "ingest" on one source and tell log types apart with logType`,
      });
    }
    const destinationNames = new Set<string>();
    config.destinations.forEach((destination, index) => {
      if (destinationNames.has(destination.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', index, 'name'],
          message: `'${destination.name}' is used twice. Fix: give every destination its own name`,
        });
      }
      destinationNames.add(destination.name);
    });
    const { bucket } = config;
    if (bucket.objectLock && !bucket.versioned) {
      ctx.addIssue({
        code: 'custom',
        path: ['bucket', 'objectLock'],
        message: 'needs versioning. Fix: set bucket.versioned to true (or remove bucket.objectLock)',
      });
    }
    if (bucket.objectLock && bucket.retentionDays < bucket.objectLock.days) {
      ctx.addIssue({
        code: 'custom',
        path: ['bucket', 'retentionDays'],
        message: `${bucket.retentionDays} is shorter than bucket.objectLock.days ${bucket.objectLock.days}: objects could not expire while locked. Fix: set retentionDays >= objectLock.days`,
      });
    }
    if (bucket.transitionDays >= bucket.retentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['bucket', 'transitionDays'],
        message: `${bucket.transitionDays} must be below bucket.retentionDays ${bucket.retentionDays}. Fix: lower transitionDays or raise retentionDays`,
      });
    }
    if (bucket.transitionStorageClass === 'STANDARD_IA' && bucket.transitionDays < 30) {
      ctx.addIssue({
        code: 'custom',
        path: ['bucket', 'transitionDays'],
        message: `${bucket.transitionDays} is below S3's 30-day minimum for STANDARD_IA. Fix: use 30 or more, or another transitionStorageClass`,
      });
    }
    const { forwarder } = config;
    if (
      forwarder.reservedConcurrency !== undefined &&
      (forwarder.maxConcurrency === undefined || forwarder.maxConcurrency > forwarder.reservedConcurrency)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['forwarder', 'maxConcurrency'],
        message: `must be set and at most forwarder.reservedConcurrency (${forwarder.reservedConcurrency}): otherwise SQS polling outruns the reserved functions, throttled messages use up their receives and reach the DLQ unprocessed. Fix: set maxConcurrency <= reservedConcurrency`,
      });
    }
    if (forwarder.batchSize > 10 && forwarder.maxBatchingWindowSeconds === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['forwarder', 'maxBatchingWindowSeconds'],
        message: `must be at least 1 when forwarder.batchSize (${forwarder.batchSize}) is above 10 (a Lambda rule). Fix: set a batching window or a batch size of 10 or less`,
      });
    }
  });

export type SluiceConfigInput = z.input<typeof sluiceConfig>;
export type SluiceConfig = z.output<typeof sluiceConfig>;
export type BucketConfig = z.output<typeof bucketConfig>;
export type ForwarderConfig = z.output<typeof forwarderConfig>;
