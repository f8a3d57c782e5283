import { pascal } from '../lambda/core/config/spelling';

/** Stack outputs the CLI and operators rely on; names are part of sluice's interface. */
export const OUTPUTS = {
  bucketName: 'BucketName',
  objectQueueUrl: 'ObjectQueueUrl',
  objectDeadLetterQueueUrl: 'ObjectDeadLetterQueueUrl',
  quarantinePrefix: 'QuarantinePrefix',
  forwarderFunctionName: 'ForwarderFunctionName',
  alarmTopicArn: 'AlarmTopicArn',
  ingestQueueUrl: 'IngestQueueUrl',
  ingestDeadLetterQueueUrl: 'IngestDeadLetterQueueUrl',
  ingestEndpointUrl: 'IngestEndpointUrl',
  ingestTokenSecretArn: 'IngestTokenSecretArn',
  /** The collectors' checkpoint table (present when the configuration has `collectors`). */
  collectorTable: 'CollectorTable',
  /** The detection state table (present when the configuration has `detections`). */
  detectionsTable: 'DetectionsTable',
  /** The alert topic of the `sns` route (present when `detections.routes` has one). */
  alertTopicArn: 'AlertTopicArn',
  writerPolicy: (source: string) => `WriterPolicy${pascal(source)}`,
} as const;
