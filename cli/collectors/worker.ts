import { fetchDeadline } from '../../lambda/collector/budget';
import { collectOnce } from '../../lambda/collector/collect';
import { collectorRuntimeConfigOf } from '../../lambda/collector/runtime-config';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import type { SecretSource } from '../../lambda/core/sinks/types';
import type { AwsClients } from '../aws/clients';
import type { Deployment } from '../aws/deployment';
import { collectDeps, deploymentCheckpoints } from './aws';
import type { ScheduledCollector } from './scheduler';

/**
 * The configured collectors as the worker runs them: each run is what its Lambda function does (the
 * deployment's checkpoint table and bucket, the collector's time budget). `close` releases the API's
 * sockets once the scheduler has stopped.
 */
export function workerCollectors(
  aws: AwsClients,
  deployment: Deployment,
  config: SluiceConfig,
  /** Default: Secrets Manager, with the operator's credentials (the local pipeline brings its own). */
  secrets?: (arn: string) => SecretSource,
): { collectors: ScheduledCollector[]; close(): void } {
  const deps = collectDeps(aws, deployment, deploymentCheckpoints(aws, deployment), secrets);
  const collectors = config.collectors.map((collector) => {
    const runtime = collectorRuntimeConfigOf(config, collector.name);
    return {
      name: collector.name,
      everyMs: collector.everyMinutes * 60_000,
      run: (shouldStop: () => boolean, signal: AbortSignal) =>
        collectOnce(runtime, deps, {
          deadline: fetchDeadline(Date.now(), collector.runTimeoutSeconds * 1000),
          shouldStop,
          signal,
        }),
    };
  });
  return { collectors, close: () => deps.close() };
}
