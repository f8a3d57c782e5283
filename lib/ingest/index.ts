export { IngestBatcher, INGEST_BATCHER_DEFAULTS, type IngestBatcherProps } from './ingest-batcher';
export {
  IngestEndpoint,
  INGEST_ENDPOINT_DEFAULTS,
  type IngestEndpointProps,
  type IngestEndpointThrottle,
} from './ingest-endpoint';
export { IngestQueue, INGEST_QUEUE_DEFAULTS, type IngestQueueProps } from './ingest-queue';
