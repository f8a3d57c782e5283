/** What `sluice forward` needs once it runs: loaded by its action, never for `--help` (the SDK, the forwarder core). */
export { S3ObjectSource } from '../../../lambda/adapters/s3-object-source';
export { S3QuarantineWriter } from '../../../lambda/adapters/s3-quarantine';
export { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
export { buildForwarder, selectDestinations } from '../../forwarding/build';
export {
  LOCAL_BUCKET,
  LocalFileSource,
  LocalQuarantineWriter,
  listLocalFiles,
} from '../../forwarding/local-files';
export { listS3Prefix, parseS3Url, planTargets } from '../../forwarding/targets';
