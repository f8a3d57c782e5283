import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DynamoDbCheckpointStore } from '../adapters/dynamodb-checkpoint-store';
import { SecretsManagerSecrets } from '../adapters/secrets-manager';
import type { RunOutcome } from '../core/collectors/types';
import { errorCode, errorMessage } from '../core/errors';
import { HttpClient } from '../core/http/client';
import { fetchDeadline } from './budget';
import { collectorClients } from './clients';
import { collectOnce, type CollectDeps } from './collect';
import { COLLECTOR_ENV } from './env';
import { CollectorMetrics, futureSkewSeconds } from './metrics';
import { readCollectorRuntimeConfig, type CollectorRuntimeConfig } from './runtime-config';

const logger = new Logger({ serviceName: 'sluice-collector' });

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set; deploy the collector with the sluice stack`);
  return value;
}

/** Built once per execution environment: keep-alive sockets and cached secrets survive between runs. */
function createRuntime(env: NodeJS.ProcessEnv): { config: CollectorRuntimeConfig; deps: CollectDeps } {
  const config = readCollectorRuntimeConfig(env);
  const clients = collectorClients(env, config.collector.runTimeoutSeconds);
  const secrets = new SecretsManagerSecrets(clients.secretsManager);
  return {
    config,
    deps: {
      s3: clients.s3,
      bucket: requiredEnv(env, COLLECTOR_ENV.bucket),
      store: new DynamoDbCheckpointStore(clients.dynamodb, requiredEnv(env, COLLECTOR_ENV.table)),
      secrets: (arn) => secrets.source(arn),
      transport: new HttpClient({ maxSockets: 2 }),
    },
  };
}

/**
 * The scheduled handler of one collector (EventBridge Scheduler invokes it; the event carries
 * nothing it needs). A run that fails is logged with its stable code and counted in
 * `CollectorRunsFailed` (the collector-failing alarm) but returned, not thrown: Lambda would retry it
 * at once, while the next scheduled run is the retry. Only a broken deployment (no configuration)
 * throws, which the alarm counts through the function's errors.
 */
export function createCollectorHandler(env: NodeJS.ProcessEnv = process.env) {
  let runtime: ReturnType<typeof createRuntime> | undefined;
  return async (_event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<RunOutcome> => {
    runtime ??= createRuntime(env);
    const { config, deps } = runtime;
    const name = config.collector.name;
    const metrics = new CollectorMetrics(name);
    const started = Date.now();
    let outcome: RunOutcome;
    try {
      outcome = await collectOnce(config, deps, {
        deadline: fetchDeadline(started, context.getRemainingTimeInMillis()),
        observer: metrics,
      });
    } catch (error) {
      // The checkpoint store could not be reached, or the stored checkpoint is unreadable.
      outcome = {
        status: 'failed',
        recordsWritten: 0,
        objectsWritten: 0,
        code: errorCode(error),
        message: errorMessage(error),
      };
    }
    const fields = {
      collector: name,
      status: outcome.status,
      recordsWritten: outcome.recordsWritten,
      objectsWritten: outcome.objectsWritten,
      newestEventAt: outcome.newestEventAt,
      code: outcome.code,
      error: outcome.message,
    };
    if (outcome.status === 'failed') logger.error('collector run failed', fields);
    else if (outcome.status === 'paused') logger.warn('collector run paused', fields);
    else logger.info('collector run ended', fields);
    const skew = futureSkewSeconds(outcome);
    // Written, but its time is wrong: the resume point and the lag stay at the clock, so say so here.
    if (skew !== undefined) {
      logger.warn('collector wrote events stamped in the future', {
        collector: name,
        futureSkewSeconds: skew,
        fix: "the API's clock runs ahead of this one: events are kept, but their time is wrong",
      });
    }
    if (outcome.leaseNotReleased !== undefined) {
      logger.warn('collector lease not given up after its run', {
        collector: name,
        error: outcome.leaseNotReleased,
        fix: 'nothing to do: the lease lapses after the time budget plus a minute; runs until then are skipped',
      });
    }
    metrics.publish(outcome, Date.now());
    return outcome;
  };
}

export const handler = createCollectorHandler();
