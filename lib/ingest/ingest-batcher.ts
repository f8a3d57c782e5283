import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_ENV } from '../../lambda/adapters/request-bounds';
import { SluiceError } from '../../lambda/core/errors';
import { DEFAULT_OBJECT_LIMITS } from '../../lambda/core/ingest/batch-plan';
import type { EnrichmentDefaults } from '../../lambda/core/ingest/enrich';
import { prefixesOverlap } from '../../lambda/core/layout/key-layout';
import { IngestFunction } from './ingest-function';
import type { IngestQueue } from './ingest-queue';
import { acknowledgeWildcardResources } from '../nag';
import { checkInteger, checkLogTypes, checkPrefix } from './validation';

export interface IngestBatcherProps {
  /** The queue the batcher consumes. */
  readonly queue: IngestQueue;
  /** The log bucket. When it has a KMS key (`bucket.encryptionKey`), the batcher may use it to encrypt. */
  readonly bucket: s3.IBucket;
  /**
   * Prefix the batcher writes under: `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json[.gz]`. It must be
   * a prefix whose ObjectCreated notifications reach the object queue (a configured source), so
   * that the forwarder delivers these objects like a vendor's.
   */
  readonly prefix: string;
  /** Quarantine prefix; messages that can never be written go to `<quarantinePrefix>/ingest/YYYY/MM/DD/<uuid>.json`. */
  readonly quarantinePrefix: string;
  /** Default: 1000 (the vendor contract, seed 003). */
  readonly maxEntriesPerObject?: number;
  /** Uncompressed bytes per object. Default: 100 MiB (seed 003). */
  readonly maxBytesPerObject?: number;
  /** Write `.json.gz` objects. Default: false. */
  readonly gzip?: boolean;
  /** Log type of events that have no `logType` field and came without a `logType` message attribute. Default: none (quarantined). */
  readonly defaultLogType?: string;
  /** The log types events may use. Default: any name matching `LOG_TYPE_PATTERN`. */
  readonly allowedLogTypes?: readonly string[];
  /** `source`/`app`/`env` added to events that lack them. Default: none. */
  readonly enrichment?: EnrichmentDefaults;
  /** Messages per invocation, 1 to 10,000. Default: 1000. */
  readonly batchSize?: number;
  /** How long Lambda gathers messages before invoking, up to 300 s. Default: 10 s (at least 1 s when batchSize > 10). */
  readonly maxBatchingWindow?: Duration;
  /** Default: 60 s. */
  readonly timeout?: Duration;
  /** Default: 512 MB. */
  readonly memorySize?: number;
  /** Event source maximum concurrency, 2 to 1000. Default: unset (Lambda scales with the queue). */
  readonly maxConcurrency?: number;
  /** Default: unset. */
  readonly reservedConcurrency?: number;
  /** Default: three months. */
  readonly logRetention?: logs.RetentionDays;
}

export const INGEST_BATCHER_DEFAULTS = {
  batchSize: 1000,
  maxBatchingWindow: Duration.seconds(10),
  timeout: Duration.seconds(60),
  memorySize: 512,
  logRetention: logs.RetentionDays.THREE_MONTHS,
} as const;

/**
 * The batcher: receives ingest messages in batches, writes their events as NDJSON objects (one per
 * log type, cut at the object limits) into the log bucket, quarantines messages that can never be
 * written, and reports the rest as batch item failures so that SQS retries only them.
 */
export class IngestBatcher extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestBatcherProps) {
    super(scope, id);
    const prefix = checkPrefix('IngestBatcher prefix', props.prefix);
    const quarantinePrefix = checkPrefix('IngestBatcher quarantinePrefix', props.quarantinePrefix);
    if (prefixesOverlap(prefix, quarantinePrefix)) {
      throw new SluiceError(
        'INGEST_PROPS_INVALID',
        `IngestBatcher quarantinePrefix '${quarantinePrefix}' overlaps prefix '${prefix}': quarantined messages would be forwarded`,
      );
    }
    checkLogTypes('IngestBatcher', props.defaultLogType, props.allowedLogTypes);
    const maxEntries = checkInteger(
      'IngestBatcher maxEntriesPerObject',
      props.maxEntriesPerObject ?? DEFAULT_OBJECT_LIMITS.maxEntriesPerObject,
      1,
      1_000_000,
    );
    const maxBytes = checkInteger(
      'IngestBatcher maxBytesPerObject',
      props.maxBytesPerObject ?? DEFAULT_OBJECT_LIMITS.maxBytesPerObject,
      1024,
      5 * 1024 ** 3,
    );
    const batchSize = checkInteger(
      'IngestBatcher batchSize',
      props.batchSize ?? INGEST_BATCHER_DEFAULTS.batchSize,
      1,
      10_000,
    );
    const window = props.maxBatchingWindow ?? INGEST_BATCHER_DEFAULTS.maxBatchingWindow;
    const timeout = props.timeout ?? INGEST_BATCHER_DEFAULTS.timeout;
    if (window.toSeconds() > 300) {
      throw new SluiceError('INGEST_PROPS_INVALID', 'IngestBatcher maxBatchingWindow must be at most 300 s');
    }
    if (batchSize > 10 && window.toSeconds() < 1) {
      throw new SluiceError(
        'INGEST_PROPS_INVALID',
        'IngestBatcher maxBatchingWindow must be at least 1 s when batchSize is above 10',
      );
    }
    const neededVisibility = 6 * timeout.toSeconds() + window.toSeconds();
    if (props.queue.visibilityTimeout.toSeconds() < neededVisibility) {
      throw new SluiceError(
        'INGEST_PROPS_INVALID',
        `the ingest queue's visibility timeout (${props.queue.visibilityTimeout.toSeconds()} s) must be at least 6 × the batcher timeout + its batching window (${neededVisibility} s)`,
      );
    }

    const enrichment = props.enrichment ?? {};
    const ingestFunction = new IngestFunction(this, 'Batcher', {
      handlerFolder: 'ingest-batcher',
      description: 'sluice ingest batcher: ingest queue events to NDJSON objects in the log bucket',
      timeout,
      memorySize: props.memorySize ?? INGEST_BATCHER_DEFAULTS.memorySize,
      logRetention: props.logRetention ?? INGEST_BATCHER_DEFAULTS.logRetention,
      reservedConcurrency: props.reservedConcurrency,
      environment: {
        BUCKET_NAME: props.bucket.bucketName,
        INGEST_PREFIX: prefix,
        QUARANTINE_PREFIX: quarantinePrefix,
        MAX_ENTRIES_PER_OBJECT: String(maxEntries),
        MAX_BYTES_PER_OBJECT: String(maxBytes),
        GZIP: String(props.gzip ?? false),
        // Its S3 writes' timeouts are derived from it: Lambda tells a handler only its time left.
        [FUNCTION_TIMEOUT_ENV]: String(timeout.toSeconds()),
        ...(props.defaultLogType === undefined ? {} : { DEFAULT_LOG_TYPE: props.defaultLogType }),
        ...(props.allowedLogTypes === undefined
          ? {}
          : { ALLOWED_LOG_TYPES: props.allowedLogTypes.join(',') }),
        ...(enrichment.source === undefined ? {} : { ENRICH_SOURCE: enrichment.source }),
        ...(enrichment.app === undefined ? {} : { ENRICH_APP: enrichment.app }),
        ...(enrichment.env === undefined ? {} : { ENRICH_ENV: enrichment.env }),
      },
    });
    this.function = ingestFunction.function;
    this.role = ingestFunction.role;
    this.logGroup = ingestFunction.logGroup;

    // Write access to two prefixes and nothing else: no read, no delete, no other prefix.
    const writable = [
      props.bucket.arnForObjects(`${prefix}/*`),
      props.bucket.arnForObjects(`${quarantinePrefix}/ingest/*`),
    ];
    const writes = new iam.Policy(this, 'WritePolicy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteIngestObjects',
          actions: ['s3:PutObject'],
          resources: writable,
        }),
      ],
    });
    writes.attachToRole(this.role);
    props.bucket.encryptionKey?.grant(this.role, 'kms:GenerateDataKey');
    acknowledgeWildcardResources(
      writes,
      writable,
      `s3:PutObject only, under '${prefix}/' and '${quarantinePrefix}/ingest/': every object gets a new name (log type, time, uuid), so a key prefix is the narrowest resource possible.`,
    );

    this.function.addEventSource(
      new SqsEventSource(props.queue.queue, {
        batchSize,
        maxBatchingWindow: window.toSeconds() > 0 ? window : undefined,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
  }
}
