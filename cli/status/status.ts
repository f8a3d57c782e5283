import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Deployment } from '../aws/deployment';
import { oldestMessageAgeSeconds } from '../aws/metrics';
import { queueDepth, queueNameOf } from '../aws/queues';
import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';
import type { CollectorConfig } from '../../lambda/core/collectors/config';
import { collectorHealth, collectorStatuses, type CollectorStatus } from './collectors';
import { countObjects, newestInSource } from './layout-walk';
import { verdictOf, type Thresholds, type Verdict } from './verdict';

export interface QueueStatus {
  readonly name: string;
  readonly kind: 'queue' | 'dlq';
  /** The queue pair it belongs to (`sluice redrive --from-dlq <side>`). */
  readonly side: 'object' | 'ingest';
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** Seconds, from CloudWatch; null when it has no datapoint (or no access). */
  readonly oldestAgeSeconds: number | null;
}

export interface SourceStatus {
  readonly name: string;
  readonly prefix: string;
  readonly newest: {
    readonly key: string;
    readonly lastModified: string;
    readonly ageSeconds: number;
  } | null;
}

export interface StatusReport {
  readonly deployment: string;
  readonly bucket: string;
  readonly queues: readonly QueueStatus[];
  /** Null when no configuration names the sources. */
  readonly sources: readonly SourceStatus[] | null;
  readonly quarantine: { readonly prefix: string; readonly objects: number; readonly truncated: boolean };
  /** Null when no configuration names collectors, or the deployment has no checkpoint table. */
  readonly collectors: readonly CollectorStatus[] | null;
  readonly verdict: Verdict;
}

export interface StatusClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly cloudWatch: CloudWatchClient;
}

/** Everything `sluice status` shows, read from SQS, CloudWatch and S3. */
export async function collectStatus(
  clients: StatusClients,
  deployment: Deployment,
  options: {
    readonly sources?: readonly {
      readonly name: string;
      readonly prefix: string;
      /** Default: StrongDM's layout. */
      readonly keyLayout?: string;
    }[];
    readonly quarantineLimit: number;
    readonly thresholds?: Thresholds;
    readonly now?: Date;
    /** The configured collectors and how to read their items of the checkpoint table. */
    readonly collectors?: {
      readonly configs: readonly CollectorConfig[];
      readonly read: (collector: string) => Promise<CollectorState | undefined>;
    };
  },
): Promise<StatusReport> {
  const now = options.now ?? new Date();
  type Named = Pick<QueueStatus, 'name' | 'kind' | 'side'> & { url?: string };
  const named: Named[] = [
    { name: 'object queue', kind: 'queue', side: 'object', url: deployment.objects.queueUrl },
    { name: 'object DLQ', kind: 'dlq', side: 'object', url: deployment.objects.deadLetterQueueUrl },
    { name: 'ingest queue', kind: 'queue', side: 'ingest', url: deployment.ingest?.queueUrl },
    { name: 'ingest DLQ', kind: 'dlq', side: 'ingest', url: deployment.ingest?.deadLetterQueueUrl },
  ];
  const queues = await Promise.all(
    named
      .filter((queue): queue is Named & { url: string } => Boolean(queue.url))
      .map(async (queue): Promise<QueueStatus> => {
        const [depth, age] = await Promise.all([
          queueDepth(clients.sqs, queue.url),
          oldestMessageAgeSeconds(clients.cloudWatch, queueNameOf(queue.url), now),
        ]);
        return { ...queue, ...depth, oldestAgeSeconds: age ?? null };
      }),
  );
  const sources = options.sources
    ? await Promise.all(
        options.sources.map(async (source): Promise<SourceStatus> => {
          const newest = await newestInSource(clients.s3, deployment.bucket, source.prefix, source.keyLayout);
          return {
            name: source.name,
            prefix: source.prefix,
            newest: newest
              ? {
                  key: newest.key,
                  lastModified: newest.lastModified.toISOString(),
                  ageSeconds: Math.max(0, Math.round((now.getTime() - newest.lastModified.getTime()) / 1000)),
                }
              : null,
          };
        }),
      )
    : null;
  const quarantined = await countObjects(
    clients.s3,
    deployment.bucket,
    `${deployment.quarantinePrefix.replace(/\/+$/, '')}/`,
    options.quarantineLimit,
  );
  const collectors = options.collectors
    ? await collectorStatuses(options.collectors.configs, options.collectors.read, now)
    : null;
  const verdict = verdictOf(
    {
      queues: queues.map((queue) => ({ ...queue, oldestAgeSeconds: queue.oldestAgeSeconds ?? undefined })),
      ...(collectors ? { collectors: collectorHealth(collectors) } : {}),
    },
    options.thresholds,
  );
  return {
    deployment: deployment.origin,
    bucket: deployment.bucket,
    queues,
    sources,
    quarantine: {
      prefix: deployment.quarantinePrefix,
      objects: quarantined.count,
      truncated: quarantined.truncated,
    },
    collectors,
    verdict,
  };
}
