import { S3ObjectSource } from '../../lambda/adapters/s3-object-source';
import { S3QuarantineWriter } from '../../lambda/adapters/s3-quarantine';
import { SqsContinuationQueue } from '../../lambda/adapters/sqs-continuation-queue';
import type { LocalDestinationConfig } from '../../lambda/core/config/destinations';
import type { ForwarderLog } from '../../lambda/core/forward/process-message';
import type { SecretSource } from '../../lambda/core/sinks/types';
import type { AwsClients } from '../aws/clients';
import type { Deployment } from '../aws/deployment';
import { queueAttributes } from '../aws/queues';
import { buildForwarder, forwarderDetections } from '../forwarding/build';
import type { LocalForwarder } from '../forwarding/local-forwarder';
import type { CliConfig } from '../shared/config';
import { usageError } from '../shared/errors';
import { BatcherStats, batcherConfigOf, createLocalBatcher, ingestBatchingOf } from './batcher';
import { QueueWorker, type BatchResult } from './worker';

export interface WorkerSettings {
  /** Messages per forwarder batch, 1–10 (one receive). */
  readonly batchSize: number;
  /**
   * How the batcher gathers its batches: up to `batchSize` messages within `batchingWindowSeconds`.
   * Default: the ingest source's `batchSize` and `maxBatchingWindowSeconds`, as the stack's event
   * source mapping has them (1,000 messages, 10 s unless configured otherwise).
   */
  readonly ingest?: { readonly batchSize?: number; readonly batchingWindowSeconds?: number };
  readonly waitSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly heartbeatSeconds?: number;
  readonly retryDelaySeconds?: number;
  readonly concurrency: number;
  readonly invocationTimeoutMs: number;
}

export interface PipelineWorkersOptions {
  readonly aws: AwsClients;
  readonly cli: CliConfig;
  readonly deployment: Deployment;
  readonly destinations: readonly LocalDestinationConfig[];
  readonly log: ForwarderLog;
  readonly region: string;
  readonly settings: WorkerSettings;
  /** Also run the batcher over the ingest queue. */
  readonly ingest: boolean;
  readonly secret?: (arn: string) => SecretSource;
  readonly onBatch?: (queue: 'object' | 'ingest', result: BatchResult) => void;
}

/**
 * The forwarder (with the configuration's detections, on the deployment's table) over the object
 * queue and, optionally, the batcher over the ingest queue, as workers.
 */
export class PipelineWorkers {
  private constructor(
    readonly forwarder: LocalForwarder,
    readonly objectWorker: QueueWorker,
    readonly batcherWorker: QueueWorker | undefined,
    readonly batcherStats: BatcherStats | undefined,
  ) {}

  static async create(options: PipelineWorkersOptions): Promise<PipelineWorkers> {
    const { aws, deployment, settings } = options;
    const objectQueue = deployment.objects.queueUrl;
    const detections = await forwarderDetections({
      cli: options.cli,
      aws,
      deployment,
      secret: options.secret,
    });
    const forwarder = buildForwarder({
      cli: options.cli,
      aws,
      destinations: options.destinations,
      objects: new S3ObjectSource(aws.s3),
      quarantine: new S3QuarantineWriter(aws.s3, deployment.bucket, deployment.quarantinePrefix),
      continuations: new SqsContinuationQueue(aws.sqs, objectQueue),
      log: options.log,
      secret: options.secret,
      invocationTimeoutMs: settings.invocationTimeoutMs,
      detections,
    });
    const common = {
      sqs: aws.sqs,
      region: options.region,
      batchSize: settings.batchSize,
      waitSeconds: settings.waitSeconds,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      heartbeatSeconds: settings.heartbeatSeconds,
      retryDelaySeconds: settings.retryDelaySeconds,
      concurrency: settings.concurrency,
      invocationTimeoutMs: settings.invocationTimeoutMs,
      log: options.log,
    };
    const objectWorker = new QueueWorker({
      ...common,
      queueUrl: objectQueue,
      queueArn: (await queueAttributes(aws.sqs, objectQueue)).arn,
      handler: forwarder.handler(),
      functionName: 'sluice-forwarder',
      onBatch: (result) => options.onBatch?.('object', result),
    });
    if (!options.ingest) return new PipelineWorkers(forwarder, objectWorker, undefined, undefined);

    const ingestQueue = deployment.ingest?.queueUrl;
    const batcherConfig = batcherConfigOf(options.cli.config, deployment.bucket);
    if (!ingestQueue || !batcherConfig) {
      forwarder.close();
      throw usageError(
        `the batcher needs an ingest queue (${deployment.origin} has ${ingestQueue ? 'one' : 'none'}) and a source with "ingest" in ${options.cli.path}`,
      );
    }
    const stats = new BatcherStats();
    const deployed = ingestBatchingOf(options.cli.config);
    const batcherWorker = new QueueWorker({
      ...common,
      // Gathered like the event source mapping does, so that objects hold as many events as the Lambda's.
      batchSize: settings.ingest?.batchSize ?? deployed.batchSize,
      batchingWindowSeconds: settings.ingest?.batchingWindowSeconds ?? deployed.batchingWindowSeconds,
      queueUrl: ingestQueue,
      queueArn: (await queueAttributes(aws.sqs, ingestQueue)).arn,
      handler: createLocalBatcher({ config: batcherConfig, s3: aws.s3, log: options.log, stats }),
      functionName: 'sluice-ingest-batcher',
      onBatch: (result) => options.onBatch?.('ingest', result),
    });
    return new PipelineWorkers(forwarder, objectWorker, batcherWorker, stats);
  }

  get busy(): boolean {
    return this.objectWorker.busy || Boolean(this.batcherWorker?.busy);
  }

  /** Runs until `stop()`. */
  start(): Promise<void> {
    return Promise.all([this.objectWorker.start(), this.batcherWorker?.start()]).then(() => undefined);
  }

  /** Stops polling; resolves when the batches in progress are done and settled. */
  async stop(): Promise<void> {
    await Promise.all([this.objectWorker.stop(), this.batcherWorker?.stop()]);
    this.forwarder.close();
  }
}
