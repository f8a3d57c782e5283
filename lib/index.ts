/**
 * sluice as a library: `import { Sluice } from 'sluice'` in your own CDK app. `Sluice` is one whole
 * deployment from the configuration object of sluice.config.json; the constructs it is made of are
 * exported too, for an app that wires its own.
 */
export { Sluice, type SluiceProps } from './sluice';
export { SluiceStack, type SluiceStackProps } from './sluice-stack';
export { OUTPUTS } from './outputs';

export {
  LogStreamBucket,
  type LogStreamBucketProps,
  type LogStreamObjectLock,
  type LogStreamSource,
  type WriterPolicy,
} from './log-stream-bucket';
export { ObjectQueue, type ObjectQueueProps } from './object-queue';
export { Forwarder, type ForwarderProps } from './forwarder';
export { Monitoring, type MonitoredQueue, type MonitoringProps } from './monitoring';
export { IngestPipeline, type IngestPipelineProps } from './ingest/ingest-pipeline';
export * from './ingest/index';
export * from './collectors/index';
export * from './detections/index';

export { loadConfigFile, parseConfig } from '../lambda/core/config/load';
export type {
  BucketConfig,
  ForwarderConfig,
  SluiceConfig,
  SluiceConfigInput,
} from '../lambda/core/config/schema';
export type { SourceConfig } from '../lambda/core/config/sources';
export type {
  DestinationConfig,
  ElasticsearchDestinationConfig,
  HttpsDestinationConfig,
  SplunkHecDestinationConfig,
} from '../lambda/core/config/destinations';
export type { IngestConfig } from '../lambda/core/config/ingest';
export { runtimeConfigOf, type ForwarderRuntimeConfig } from '../lambda/forwarder/runtime-config';
export { SluiceError } from '../lambda/core/errors';
