/** What `sluice forward` needs once it runs: loaded by its action, never for `--help` (the forwarder core). */
export { runtimeConfigOf } from '../../../lambda/forwarder/runtime-config';
export { buildForwarder, selectDestinations } from '../../forwarding/build';
export {
  LOCAL_BUCKET,
  LocalFileSource,
  LocalQuarantineWriter,
  listLocalFiles,
} from '../../forwarding/local-files';
export { parseS3Url, planTargets } from '../../forwarding/targets';
