import type { S3Client } from '@aws-sdk/client-s3';
import { S3CollectorWriter } from '../adapters/s3-collector-writer';
import { createCollectorClient } from '../core/collectors/create-client';
import { onePageOnly } from '../core/collectors/one-page';
import { runCollector, type CollectorObserver, type CollectorRunSettings } from '../core/collectors/engine';
import type { CheckpointStore, ObjectWriter, RunOutcome } from '../core/collectors/types';
import type { HttpTransport } from '../core/http/client';
import type { SecretSource } from '../core/sinks/types';
import { leaseMsFor } from './budget';
import type { CollectorRuntimeConfig } from './runtime-config';

const DAY_MS = 86_400_000;

/** Where a collector's objects go and how they are cut, from its configuration. */
export function collectorRunSettings(runtime: CollectorRuntimeConfig): CollectorRunSettings {
  const { collector, prefix } = runtime;
  return {
    name: collector.name,
    prefix,
    logType: collector.logType,
    gzip: collector.gzip,
    maxRecordsPerObject: collector.maxRecordsPerObject,
    maxObjectBytes: collector.maxObjectBytes,
    firstRunLookbackMs: collector.firstRunDays * DAY_MS,
    lookbackMs: collector.lookbackSeconds * 1000,
  };
}

/** What a run talks to: the deployment's bucket, where it keeps its place, and the API. */
export interface CollectDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The deployment's checkpoint table (`DynamoDbCheckpointStore`); a backfill's own memory. */
  readonly store: CheckpointStore;
  readonly secrets: (arn: string) => SecretSource;
  readonly transport: HttpTransport;
  readonly now?: () => number;
}

/** How a run differs from a scheduled one: a backfill (`sluice pull --to-bucket`) reads a range of its own, perhaps one page only. */
export interface CollectOptions {
  /** Epoch ms after which the run fetches nothing more. */
  readonly deadline: number;
  readonly observer?: CollectorObserver;
  /** Default: the deployment's bucket. */
  readonly writer?: ObjectWriter;
  /** Where a run without a checkpoint starts. Default: `firstRunDays` back from now. */
  readonly since?: Date;
  /** Upper time bound. Default: none (up to now). */
  readonly until?: Date;
  /** One API query only. Default: false. */
  readonly onePage?: boolean;
  /** Asked before each page: true ends the run early, as a spent budget does (a worker shutting down). */
  readonly shouldStop?: () => boolean;
  /**
   * Aborted with `shouldStop` (the CLI's first Ctrl-C): ends a page's wait between retries at once
   * instead of at the deadline. Default: none (the Lambda function's runs end at their deadline).
   */
  readonly signal?: AbortSignal;
}

/**
 * One scheduled run of a collector, as its Lambda function runs it (and `sluice collect` on an
 * operator's machine): the lease and checkpoint in the deployment's table, objects into its bucket.
 */
export async function collectOnce(
  runtime: CollectorRuntimeConfig,
  deps: CollectDeps,
  options: CollectOptions,
): Promise<RunOutcome> {
  const now = deps.now ?? Date.now;
  const client = createCollectorClient(runtime.collector, {
    secrets: deps.secrets,
    api: {
      transport: deps.transport,
      requestTimeoutMs: runtime.collector.requestTimeoutSeconds * 1000,
      now,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  });
  const settings = collectorRunSettings(runtime);
  return runCollector(
    {
      ...settings,
      ...(options.since ? { firstRunSince: options.since } : {}),
      ...(options.until ? { until: options.until } : {}),
    },
    {
      client: options.onePage ? onePageOnly(client) : client,
      writer: options.writer ?? new S3CollectorWriter(deps.s3, deps.bucket),
      store: deps.store,
      now,
      // Read before every page and request: a stop moves it to now, so the run writes what it holds and ends.
      get deadline() {
        return options.shouldStop?.() ? 0 : options.deadline;
      },
      leaseMs: leaseMsFor(runtime.collector.runTimeoutSeconds),
      observer: options.observer,
    },
  );
}
