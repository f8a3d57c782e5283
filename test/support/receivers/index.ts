export {
  startHecReceiver,
  type HecEvent,
  type HecFault,
  type HecReceiver,
  type HecReceiverOptions,
} from './hec-receiver';
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
