export { CheckpointTable } from './checkpoint-table';
export {
  CollectorFunction,
  collectorSecretArns,
  rateExpression,
  type CollectorFunctionProps,
} from './collector-function';
export { Collectors, type CollectorsProps } from './collectors';
