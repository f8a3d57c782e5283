/** What `sluice replay` needs once it runs: loaded by its action, never for `--help` (the SDK, the forwarder core). */
export { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
export { S3QuarantineWriter } from '../../../lambda/adapters/s3-quarantine';
export { sourcesWithAlerts } from '../../../lambda/core/config/alerts-source';
export { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
export { buildForwarder, selectDestinations } from '../../forwarding/build';
export { CheckpointFile } from '../../replay/checkpoint';
export { replay } from '../../replay/replay';
export { unmatchedLogTypeWarnings } from '../../replay/unmatched-log-types';
