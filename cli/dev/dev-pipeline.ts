import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { resolve } from 'node:path';
import type { LocalDestinationConfig } from '../../lambda/core/config/destinations';
import { routeNameOf } from '../../lambda/core/detections/routing/config';
import type { ForwarderLog } from '../../lambda/core/forward/process-message';
import { AwsClients, awsSettings } from '../aws/clients';
import type { Deployment } from '../aws/deployment';
import { localAwsEnv } from '../aws/local-env';
import { queueDepth } from '../aws/queues';
import type { ForwardingStatsSnapshot } from '../forwarding/stats';
import type { CliConfig } from '../shared/config';
import { countObjects } from '../status/layout-walk';
import { PipelineWorkers } from '../worker/pipeline-workers';
import { listDevAlerts, type DevAlert } from './dev-alerts';
import { DevCollector, type DevCollectorSummary } from './dev-collector';
import { devSecrets } from './dev-secrets';
import { createLocalStack } from './local-stack';
import { startLocalMoto, type LocalMoto } from './moto-server';
import { appEvents, seededRandom, strongdmSamples } from './samples';

export interface DevOptions {
  readonly cli: CliConfig;
  readonly destinations: readonly LocalDestinationConfig[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Process the samples and stop; otherwise run until `stopped` resolves. */
  readonly once: boolean;
  /** With `once`: give up after this long. */
  readonly timeoutMs: number;
  readonly objects: number;
  readonly recordsPerObject: number;
  readonly events: number;
  /** Add a `cirrus-siem` collector against a local demo API holding this many events. Default: none. */
  readonly collectorEvents?: number;
  readonly seed?: number;
  readonly log: ForwarderLog;
  readonly note: (message: string) => void;
  /** Resolves on Ctrl-C / SIGTERM. */
  readonly stopped: Promise<unknown>;
}

export interface DevSummary {
  readonly endpoint: string;
  readonly startedMoto: boolean;
  readonly bucket: string;
  readonly stackName: string;
  readonly complete: boolean;
  readonly stoppedBy: 'done' | 'timeout' | 'signal';
  readonly durationSeconds: number;
  readonly written: {
    readonly objects: number;
    readonly records: number;
    readonly bytes: number;
    readonly vendorTestObjects: number;
    readonly ingestEvents: number;
  };
  readonly batcher: {
    readonly objectsWritten: number;
    readonly eventsWritten: number;
    readonly messagesQuarantined: number;
  } | null;
  /** The demo collector, when it ran. */
  readonly collected: DevCollectorSummary | null;
  readonly forwarded: ForwardingStatsSnapshot;
  readonly deadLetters: { readonly object: number; readonly ingest: number | null };
  readonly quarantineObjects: number;
  /** With `detections`: the alerts raised, one per alert, most urgent first. Otherwise null. */
  readonly alerts: readonly DevAlert[] | null;
  readonly outputs: readonly {
    readonly destination: string;
    readonly path: string;
    readonly format: string;
  }[];
}

const settled = (depth: { visible: number; inFlight: number; delayed: number }) =>
  depth.visible + depth.inFlight + depth.delayed === 0;

/**
 * The whole pipeline on this machine: moto (or `AWS_ENDPOINT_URL`), the stack's resources, sample
 * StrongDM objects and app events, the batcher and forwarder workers, and the configured destinations
 * (by default `file` ones). Everything it started is stopped before it returns, even on failure.
 */
export async function runDevPipeline(options: DevOptions): Promise<DevSummary> {
  const startedAt = Date.now();
  const config = options.cli.config;
  const secret = devSecrets(
    options.destinations,
    options.env,
    config.detections?.routes.flatMap((route, index) =>
      route.type === 'sns' ? [] : [{ name: routeNameOf(route, index), secretArn: route.secretArn }],
    ),
  );
  const external = options.env.AWS_ENDPOINT_URL;
  let moto: LocalMoto | undefined;
  let aws: AwsClients | undefined;
  let workers: PipelineWorkers | undefined;
  let collector: DevCollector | undefined;
  try {
    if (!external) {
      options.note('starting moto (local S3, SQS, CloudFormation) …');
      moto = await startLocalMoto();
    }
    const endpoint = external ?? moto!.endpoint;
    const env = {
      ...options.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: options.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: options.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: options.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    };
    const settings = awsSettings(env);
    aws = new AwsClients(settings);
    const region = settings.region ?? 'us-east-1';
    const bucket = config.bucket.name ?? 'sluice-dev-logs';
    const seed = options.seed ?? Date.now();
    const random = seededRandom(seed);
    const now = new Date();
    if (options.collectorEvents !== undefined) {
      // A generator of its own: the same seed makes the same StrongDM samples with or without it.
      collector = await DevCollector.prepare(config, {
        events: options.collectorEvents,
        now,
        random: seededRandom(seed + 1),
      });
      if (!collector)
        options.note("the configuration has a source in the demo collector's place: no collector");
    }
    const cli = collector ? { ...options.cli, config: collector.config } : options.cli;
    const deployment: Deployment = await createLocalStack(aws, cli.config, { bucket, region });
    options.note(
      `created bucket ${bucket}, object queue${deployment.ingest ? ', ingest queue' : ''}${deployment.detectionsTable ? ', detection table' : ''}${deployment.alertTopicArn ? ', alert topic' : ''} and notifications on ${endpoint}`,
    );

    const ingest = Boolean(deployment.ingest);
    workers = await PipelineWorkers.create({
      aws,
      cli,
      deployment,
      destinations: options.destinations,
      log: options.log,
      region,
      ingest,
      secret,
      settings: {
        batchSize: 10,
        waitSeconds: 1,
        visibilityTimeoutSeconds: 30,
        // A failed message is retried after 2 s (instead of the visibility timeout), so a destination
        // that is down sends the samples to the DLQ within seconds, as maxReceiveCount says.
        retryDelaySeconds: 2,
        concurrency: 1,
        invocationTimeoutMs: 30_000,
      },
    });

    // The vendor's connectivity test, then the samples, as a vendor and an application would write them.
    const written = { objects: 0, records: 0, bytes: 0, vendorTestObjects: 0, ingestEvents: 0 };
    const vendorSource = config.sources.find((source) => !source.ingest) ?? config.sources[0];
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${vendorSource.prefix}/test`,
        Body: JSON.stringify(
          {
            formatVersion: 'v1.0.0',
            logType: 'activities',
            actorAccountID: 'a-0000000000000000',
            timestamp: '0001-01-01T00:00:00Z',
          },
          null,
          4,
        ),
      }),
    );
    written.vendorTestObjects += 1;
    for (const sample of strongdmSamples({
      prefix: vendorSource.prefix,
      count: options.objects,
      recordsPerObject: options.recordsPerObject,
      now,
      random,
    })) {
      await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: sample.key, Body: sample.body }));
      written.objects += 1;
      written.records += sample.records;
      written.bytes += sample.body.length;
    }
    if (deployment.ingest && options.events > 0) {
      const events = appEvents(options.events, now, random);
      for (let index = 0; index < events.length; index += 10) {
        const chunk = events.slice(index, index + 10);
        await aws.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: deployment.ingest.queueUrl,
            Entries: chunk.map((body, n) => ({ Id: String(n), MessageBody: body })),
          }),
        );
      }
      written.ingestEvents = events.length;
    }
    options.note(
      `wrote ${written.objects} StrongDM object(s) (${written.records} records) and the vendor test object under s3://${bucket}/${vendorSource.prefix}/${written.ingestEvents ? `; sent ${written.ingestEvents} app event(s) to the ingest queue` : ''}`,
    );
    if (!options.once) {
      options.note(
        `running; write more with: ${localAwsEnv(endpoint, region)} aws s3 cp <file> s3://${bucket}/${vendorSource.prefix}/activities/$(date -u +%Y/%m/%d/%H/%M)/x.json  ·  other commands: ${localAwsEnv(endpoint, region)} npx sluice status -c ${options.cli.path} · Ctrl-C to stop`,
      );
    }

    const running = workers.start();
    if (collector) {
      options.note(
        `collector ${collector.summary().name}: pulling a local Cirrus-like API (${collector.apiUrl}) every minute into s3://${bucket}/cirrus/demo/siem/; its configuration: ${JSON.stringify(collector.written)}`,
      );
      collector.start(aws, deployment, { live: !options.once, note: options.note });
    }
    let stoppedBy: DevSummary['stoppedBy'] = 'signal';
    if (options.once) {
      stoppedBy = await untilSettled(aws, deployment, workers, options, () => collector?.ranOnce ?? true);
    } else {
      await Promise.race([options.stopped, running]);
    }
    await collector?.stop();
    await workers.stop();
    await running;

    const [objectDlq, ingestDlq, quarantine] = await Promise.all([
      queueDepth(aws.sqs, deployment.objects.deadLetterQueueUrl!),
      deployment.ingest ? queueDepth(aws.sqs, deployment.ingest.deadLetterQueueUrl!) : undefined,
      countObjects(aws.s3, bucket, `${deployment.quarantinePrefix}/`, 10_000),
    ]);
    const alerts = config.detections
      ? await listDevAlerts(aws.s3, bucket, config.detections.alerts.prefix)
      : null;
    return {
      endpoint,
      startedMoto: moto !== undefined,
      bucket,
      stackName: config.stackName,
      complete: stoppedBy === 'done',
      stoppedBy,
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      written,
      batcher: workers.batcherStats
        ? {
            objectsWritten: workers.batcherStats.objectsWritten,
            eventsWritten: workers.batcherStats.eventsWritten,
            messagesQuarantined: workers.batcherStats.messagesQuarantined,
          }
        : null,
      collected: collector?.summary() ?? null,
      forwarded: workers.forwarder.stats.snapshot(),
      deadLetters: {
        object: objectDlq.visible + objectDlq.inFlight,
        ingest: ingestDlq ? ingestDlq.visible + ingestDlq.inFlight : null,
      },
      quarantineObjects: quarantine.count,
      alerts,
      outputs: options.destinations.flatMap((destination) =>
        destination.type === 'file'
          ? [
              {
                destination: destination.name,
                path: resolve(options.cwd, destination.path),
                format: destination.format,
              },
            ]
          : [],
      ),
    };
  } finally {
    await collector?.stop().catch(() => undefined);
    await workers?.stop().catch(() => undefined);
    aws?.destroy();
    await moto?.stop();
  }
}

/**
 * Waits until the collector (if any) has run once, both queues are empty and no batch is in progress,
 * twice in a row (or timeout / signal).
 */
async function untilSettled(
  aws: AwsClients,
  deployment: Deployment,
  workers: PipelineWorkers,
  options: DevOptions,
  collected: () => boolean,
): Promise<DevSummary['stoppedBy']> {
  let signalled = false;
  void options.stopped.then(() => (signalled = true));
  const giveUpAt = Date.now() + options.timeoutMs;
  let quietChecks = 0;
  while (quietChecks < 2) {
    if (signalled) return 'signal';
    if (Date.now() > giveUpAt) return 'timeout';
    await new Promise((resolve) => setTimeout(resolve, 250));
    const depths = await Promise.all([
      queueDepth(aws.sqs, deployment.objects.queueUrl),
      deployment.ingest ? queueDepth(aws.sqs, deployment.ingest.queueUrl) : undefined,
    ]);
    const quiet =
      collected() && !workers.busy && depths.every((depth) => depth === undefined || settled(depth));
    quietChecks = quiet ? quietChecks + 1 : 0;
  }
  return 'done';
}
