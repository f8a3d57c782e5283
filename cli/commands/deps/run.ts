/** What `sluice run` needs once it runs: loaded by its action, never for `--help` (the SDK, the forwarder core). */
export { selectDestinations } from '../../forwarding/build';
export { PipelineWorkers } from '../../worker/pipeline-workers';
