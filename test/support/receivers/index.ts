export {
  startHecReceiver,
  type HecEvent,
  type HecFault,
  type HecReceiver,
  type HecReceiverOptions,
} from './hec-receiver';
export {
  type AckFate,
  type AckRecord,
  type HecAckCounters,
  type HecAckOptions,
  type RestartOptions,
} from './hec-acks';
export {
  startBulkReceiver,
  type BulkAuth,
  type BulkFault,
  type BulkReceiver,
  type BulkReceiverOptions,
} from './bulk-receiver';
export {
  startCollectorReceiver,
  type CollectorFault,
  type CollectorReceiver,
  type CollectorReceiverOptions,
} from './collector-receiver';
export { parseStackedJson } from './stacked-json';
export {
  azureClock,
  startEntraTokenReceiver,
  type AzureClock,
  type EntraTokenReceiver,
  type EntraTokenReceiverOptions,
  type TokenFault,
  type TokenVerifier,
} from './entra-token-receiver';
export {
  MONITOR_AUDIENCE,
  startLogsIngestionReceiver,
  type IngestionFault,
  type LogsIngestionReceiver,
  type LogsIngestionReceiverOptions,
} from './logs-ingestion-receiver';
