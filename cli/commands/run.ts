import type { Command } from 'commander';
import type { Deployment } from '../aws/deployment';
import { describeOutcome } from '../collectors/outcome';
import type { CollectorTotals } from '../collectors/scheduler';
import type { CommandContext } from '../context';
import type { CliConfig } from '../shared/config';
import type { ForwardingStatsSnapshot } from '../forwarding/stats';
import { usageError } from '../shared/errors';
import { formatBytes } from '../shared/format';
import { cliLog } from '../shared/log';
import { listenForStop } from '../shared/stop-signal';
import { parsePositive } from '../shared/time-arg';
import type { WorkerTotals } from '../worker/worker';
import type { Runner } from './runner';

interface RunOptions {
  destination?: string[];
  ingest?: boolean;
  collectors?: boolean;
  batchSize: number;
  ingestBatchSize?: number;
  ingestBatchingWindow?: number;
  concurrency: number;
  waitSeconds: number;
  visibilityTimeout: number;
  retryDelay?: number;
  invocationTimeout?: number;
  statsInterval: number;
}

interface RunReport {
  readonly stoppedBy: string;
  readonly messages: WorkerTotals;
  readonly ingestMessages?: WorkerTotals;
  /** With --ingest: what the batcher wrote. */
  readonly batcher?: { readonly objectsWritten: number; readonly eventsWritten: number };
  readonly forwarding: ForwardingStatsSnapshot;
  /** With --collectors: runs per collector. */
  readonly collectors?: Readonly<Record<string, CollectorTotals>>;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const seconds = (name: string) => parsePositive(name, { integer: true });
/** 0 to 300 s, as an event source mapping's MaximumBatchingWindowInSeconds. */
const batchingWindow = (value: string): number => {
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(parsed <= 300)) {
    throw usageError(`--ingest-batching-window '${value}' must be a whole number from 0 to 300`);
  }
  return parsed;
};

function statsLine(stats: ForwardingStatsSnapshot, messages: WorkerTotals): string {
  const destinations = Object.entries(stats.destinations)
    .map(([name, d]) => `${name} ${d.delivered} delivered/${d.quarantined} quarantined/${d.failed} failed`)
    .join(', ');
  return `messages ${messages.succeeded} done, ${messages.failed} failed · objects ${stats.objects} · records ${stats.records} (${formatBytes(stats.bytes)}) · ${destinations}`;
}

/** `--collectors`: the collectors on their schedules beside the workers, each outcome logged. */
async function startCollectors(context: CommandContext, cli: CliConfig, deployment: Deployment) {
  const { CollectorScheduler, workerCollectors } = await import('./deps/collectors.js');
  if (cli.config.collectors.length === 0) {
    throw usageError(`--collectors: ${cli.path} has no "collectors"`);
  }
  const { collectors, close } = workerCollectors(context.aws, deployment, cli.config);
  const scheduler = new CollectorScheduler(collectors, (name, outcome) => {
    const line = describeOutcome(name, outcome);
    if (outcome.status === 'failed') context.output.warn(line, { collector: name, ...outcome });
    else context.output.note(line, { collector: name, ...outcome });
  });
  context.output.note(
    `sluice run: collecting ${collectors.map((c) => `${c.name} every ${c.everyMs / 60_000} min`).join(', ')}`,
  );
  return { scheduler, done: scheduler.start(), close };
}

export function registerRun(program: Command, run: Runner): void {
  program
    .command('run')
    .description(
      "Run the forwarder as a long-running worker on the object queue, like Lambda's event source mapping (for a VM or a container)",
    )
    .option('--destination <name>', 'only this destination (repeatable; default: all configured)', collect)
    .option('--ingest', 'also run the batcher on the ingest queue')
    .option(
      '--collectors',
      "also run the configured collectors, each every everyMinutes, as their Lambda functions do (the deployment's checkpoint table)",
    )
    .option(
      '--batch-size <n>',
      'messages per batch (1-10)',
      parsePositive('--batch-size', { integer: true, max: 10 }),
      10,
    )
    .option(
      '--ingest-batch-size <n>',
      "with --ingest: messages per batcher batch, gathered 10 per receive (1-10000; default: the ingest source's batchSize, 1000)",
      parsePositive('--ingest-batch-size', { integer: true, max: 10_000 }),
    )
    .option(
      '--ingest-batching-window <s>',
      "with --ingest: how long a batcher batch is gathered (0-300; default: the ingest source's maxBatchingWindowSeconds, 10)",
      batchingWindow,
    )
    .option(
      '--concurrency <n>',
      'batches processed at once',
      parsePositive('--concurrency', { integer: true, max: 64 }),
      1,
    )
    .option(
      '--wait-seconds <s>',
      'long-poll wait (1-20)',
      parsePositive('--wait-seconds', { integer: true, max: 20 }),
      20,
    )
    .option(
      '--visibility-timeout <s>',
      'visibility of received messages, extended every third of it while they are processed',
      seconds('--visibility-timeout'),
      60,
    )
    .option(
      '--retry-delay <s>',
      'failed messages return after this many seconds (default: when their visibility runs out)',
      (value) => (value === '0' ? 0 : seconds('--retry-delay')(value)),
    )
    .option(
      '--invocation-timeout <s>',
      "time budget per batch, like the Lambda's timeout (default: forwarder.timeoutSeconds)",
      seconds('--invocation-timeout'),
    )
    .option('--stats-interval <s>', 'print counters this often', seconds('--stats-interval'), 60)
    .addHelpText(
      'after',
      `
Each batch: receive up to --batch-size messages, extend their visibility while the objects are
forwarded (a heartbeat), delete each message as soon as its object is done (a worker killed
mid-batch brings back only the unfinished ones), leave the failed ones to be retried (the queue's
redrive policy moves them to the DLQ after maxReceiveCount). Large objects that run out of time
continue from their offsets in a continuation message, as in Lambda.
With --ingest, the batcher's batches are gathered like its event source mapping's: receive until
--ingest-batch-size messages or the --ingest-batching-window closes (the messages kept invisible
meanwhile), then write them as objects of up to maxEntriesPerObject events.
SIGTERM or Ctrl-C: stop receiving, finish and settle the batches in progress, exit 0 (twice: exit now).
Needs the configuration (destinations; secrets are read from Secrets Manager) and the deployment
(the stack's outputs, or SLUICE_BUCKET and SLUICE_OBJECT_QUEUE_URL).
With "detections", the rules run here as in the Lambda, on the deployment's detection table
(its DetectionsTable output, or SLUICE_DETECTIONS_TABLE): an alert either of them opened opens once.
Exit code: 0 when stopped by SIGTERM or Ctrl-C (failed messages and collector runs do not end the
worker: the queue retries them); 1 when it cannot start (the stack, a queue or the detection table
cannot be read); 2 bad usage or configuration; 130 on a second signal.`,
    )
    .action(
      run(async (context: CommandContext, options: RunOptions) => {
        const { selectDestinations, PipelineWorkers } = await import('./deps/run.js');
        const cli = context.config();
        const deployment = await context.deployment();
        const log = cliLog(context.output, Boolean(context.options.verbose));
        const workers = await PipelineWorkers.create({
          aws: context.aws,
          cli,
          deployment,
          destinations: selectDestinations(cli, options.destination),
          log,
          region: context.region,
          ingest: Boolean(options.ingest),
          settings: {
            batchSize: options.batchSize,
            ingest: {
              batchSize: options.ingestBatchSize,
              batchingWindowSeconds: options.ingestBatchingWindow,
            },
            concurrency: options.concurrency,
            waitSeconds: options.waitSeconds,
            visibilityTimeoutSeconds: options.visibilityTimeout,
            retryDelaySeconds: options.retryDelay,
            invocationTimeoutMs: (options.invocationTimeout ?? cli.config.forwarder.timeoutSeconds) * 1000,
          },
        });
        context.output.note(
          `sluice run: forwarding from ${deployment.objects.queueUrl}${workers.batcherWorker ? ` and batching from ${deployment.ingest?.queueUrl}` : ''} to ${cli.destinations.map((d) => d.name).join(', ')}`,
        );
        const stop = listenForStop(
          context.io,
          context.output,
          'finishing the batches in progress, then exiting',
        );
        const ticker = setInterval(
          () =>
            context.output.note(statsLine(workers.forwarder.stats.snapshot(), workers.objectWorker.totals)),
          options.statsInterval * 1000,
        );
        ticker.unref();
        const collecting = options.collectors ? await startCollectors(context, cli, deployment) : undefined;
        const running = workers.start();
        await Promise.race([stop.stopped, running]);
        clearInterval(ticker);
        try {
          collecting?.scheduler.stop();
          await workers.stop();
          await running;
          await collecting?.done;
        } finally {
          stop.dispose();
          collecting?.close();
        }
        const report: RunReport = {
          stoppedBy: stop.signal ?? 'signal',
          messages: workers.objectWorker.totals,
          ingestMessages: workers.batcherWorker?.totals,
          batcher: workers.batcherStats && {
            objectsWritten: workers.batcherStats.objectsWritten,
            eventsWritten: workers.batcherStats.eventsWritten,
          },
          forwarding: workers.forwarder.stats.snapshot(),
          ...(collecting ? { collectors: Object.fromEntries(collecting.scheduler.totals) } : {}),
        };
        context.output.result(
          report,
          (data) =>
            `stopped (${data.stoppedBy}): ${statsLine(data.forwarding, data.messages)}${data.batcher ? ` · batcher ${data.batcher.eventsWritten} event(s) into ${data.batcher.objectsWritten} object(s)` : ''}${
              data.collectors
                ? ` · collectors ${Object.entries(data.collectors)
                    .map(
                      ([name, t]) =>
                        `${name} ${t.runs} run(s)/${t.eventsWritten} event(s)/${t.failed} failed`,
                    )
                    .join(', ')}`
                : ''
            }`,
        );
      }),
    );
}
