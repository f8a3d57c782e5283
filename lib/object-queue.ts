import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OBJECT_QUEUE_RETENTION_DAYS } from '../lambda/core/config/schema';

export interface ObjectQueueProps {
  /** At least 6 × the consumer's timeout + its batching window (AWS's advice for Lambda SQS event sources). */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the DLQ. Default: 5. */
  readonly maxReceiveCount?: number;
  /**
   * Default: 4 days (`OBJECT_QUEUE_RETENTION_DAYS`, which bounds the backlog alarm's age). The DLQ keeps
   * messages 14 days, longer, because a moved message keeps its first enqueue time.
   */
  readonly retention?: Duration;
}

/**
 * A work queue with its dead-letter queue. SQS-managed encryption (SSE-SQS) because S3 event
 * notifications cannot publish to queues encrypted with the AWS-managed SQS key, and the messages
 * carry object keys only, never record content.
 */
export class ObjectQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: ObjectQueueProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retention ?? Duration.days(OBJECT_QUEUE_RETENTION_DAYS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
  }
}
