/** What `sluice pull` and `sluice collect` need once they run: loaded by their actions, never for `--help`. */
export { MemoryCheckpointStore } from '../../../lambda/core/collectors/memory-checkpoint-store';
export { createCollectorClient } from '../../../lambda/core/collectors/create-client';
export { HttpClient } from '../../../lambda/core/http/client';
export { fetchDeadline } from '../../../lambda/collector/budget';
export { collectOnce } from '../../../lambda/collector/collect';
export { collectorRuntimeConfigOf } from '../../../lambda/collector/runtime-config';
export { collectDeps, deploymentCheckpoints, operatorSecrets } from '../../collectors/aws';
export { pullConfig, pullEvents } from '../../collectors/pull';
export { CollectorScheduler } from '../../collectors/scheduler';
export { workerCollectors } from '../../collectors/worker';
