/** What `sluice detect` needs once it runs: loaded by its actions, never for `--help` (the detection core, the SDK). */
export { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
export { backtest, renderBacktest } from '../../detect/backtest';
export { detectRules } from '../../detect/config-rules';
export { chooseSource, configuredSources } from '../../detect/sources';
export { detectTestInputs, misnamedHint } from '../../detect/test-inputs';
export { renderDetectTest, runDetectTest } from '../../detect/test-records';
export { renderValidate, unboundReason, validateRules } from '../../detect/validate';
export { unmatchedLogTypeWarnings } from '../../replay/unmatched-log-types';
