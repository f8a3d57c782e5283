/** What `sluice dev` needs once it runs: loaded by its action, never for `--help`. */
export { localDestinationConfig } from '../../../lambda/core/config/destinations';
export { runDevPipeline } from '../../dev/dev-pipeline';
export { loadCliConfig } from '../../shared/config';
