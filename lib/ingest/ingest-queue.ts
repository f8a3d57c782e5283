import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SluiceError } from '../../lambda/core/errors';

export interface IngestQueueProps {
  /**
   * Customer-managed key for both queues (SSE-KMS). Default: SQS-managed encryption (SSE-SQS).
   * With a key, producers need `kms:GenerateDataKey` and `kms:Decrypt` on it as well as `sqs:SendMessage`
   * (`grantSend` grants both).
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long a message received by the batcher stays invisible. Must be at least 6 × the batcher's
   * timeout + its batching window (`IngestBatcher` checks). Default: 11 minutes (6 × 60 s + 300 s).
   */
  readonly visibilityTimeout?: Duration;
  /** Receives before a message moves to the DLQ (at least 5). Default: 5. */
  readonly maxReceiveCount?: number;
  /**
   * How long an event may wait for the batcher. Default: 14 days, SQS's maximum: the queue is the
   * only copy of an acknowledged event until the batcher writes it.
   */
  readonly retention?: Duration;
  /** Largest message producers may send, 1,024 to 1,048,576 bytes. Default: 262,144 (256 KiB). */
  readonly maxMessageSizeBytes?: number;
  /** Default: `RETAIN` for both queues (they hold events that exist nowhere else). */
  readonly removalPolicy?: RemovalPolicy;
}

export const INGEST_QUEUE_DEFAULTS = {
  visibilityTimeout: Duration.seconds(6 * 60 + 300),
  maxReceiveCount: 5,
  retention: Duration.days(14),
  maxMessageSizeBytes: 256 * 1024,
} as const;

/**
 * The ingest queue first-party producers send events to (one event, or several as NDJSON, per
 * message; the `logType` message attribute may name their log type), with its dead-letter queue:
 * a message the batcher fails to write `maxReceiveCount` times waits there (14 days) to be
 * re-driven.
 */
export class IngestQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly maxMessageSizeBytes: number;

  constructor(scope: Construct, id: string, props: IngestQueueProps = {}) {
    super(scope, id);
    this.visibilityTimeout = props.visibilityTimeout ?? INGEST_QUEUE_DEFAULTS.visibilityTimeout;
    this.maxReceiveCount = props.maxReceiveCount ?? INGEST_QUEUE_DEFAULTS.maxReceiveCount;
    this.maxMessageSizeBytes = props.maxMessageSizeBytes ?? INGEST_QUEUE_DEFAULTS.maxMessageSizeBytes;
    if (!Number.isInteger(this.maxReceiveCount) || this.maxReceiveCount < 5) {
      throw new SluiceError(
        'INGEST_PROPS_INVALID',
        `IngestQueue maxReceiveCount must be an integer of at least 5, got ${this.maxReceiveCount}`,
      );
    }
    if (
      !Number.isInteger(this.maxMessageSizeBytes) ||
      this.maxMessageSizeBytes < 1024 ||
      this.maxMessageSizeBytes > 1_048_576
    ) {
      throw new SluiceError(
        'INGEST_PROPS_INVALID',
        `IngestQueue maxMessageSizeBytes must be 1024..1048576, got ${this.maxMessageSizeBytes}`,
      );
    }
    const encryption = props.encryptionKey
      ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey }
      : { encryption: sqs.QueueEncryption.SQS_MANAGED };
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: this.maxMessageSizeBytes,
      removalPolicy,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: props.retention ?? INGEST_QUEUE_DEFAULTS.retention,
      maxMessageSizeBytes: this.maxMessageSizeBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
      removalPolicy,
    });
  }

  /**
   * Lets a producer (an application role, the endpoint) send events: `sqs:SendMessage`, plus
   * `kms:GenerateDataKey` and `kms:Decrypt` on the key when there is one (what SSE-KMS needs, and no more).
   */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    const grant = this.queue.grant(grantee, 'sqs:SendMessage');
    this.queue.encryptionMasterKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return grant;
  }
}
