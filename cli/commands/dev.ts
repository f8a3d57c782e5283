import { join } from 'node:path';
import type { Command } from 'commander';
import type { LocalDestinationConfig, localDestinationConfig } from '../../lambda/core/config/destinations';
import type { CommandContext } from '../context';
import type { DevSummary } from '../dev/dev-pipeline';
import { devSecretVariable } from '../dev/dev-secrets';
import { CommandFailed, usageError } from '../shared/errors';
import { formatBytes, table } from '../shared/format';
import { cliLog } from '../shared/log';
import { listenForStop } from '../shared/stop-signal';
import { parsePositive } from '../shared/time-arg';
import type { Runner } from './runner';

/** The dev configuration shipped with the package (found from this file, wherever sluice is run). */
export const DEFAULT_DEV_CONFIG = join(__dirname, '..', '..', 'examples', 'local.json');

interface DevCommandOptions {
  once?: boolean;
  timeout: number;
  objects: number;
  records: number;
  events: number;
  collector: boolean;
  collectorEvents: number;
  seed?: number;
  splunkUrl?: string;
  elasticsearchUrl?: string;
}

const PLACEHOLDER_ARN = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:sluice-dev-${name}`;

/** `--splunk-url` / `--elasticsearch-url`: a real SIEM next to the file outputs (secrets from the environment). */
function extraDestinations(
  options: DevCommandOptions,
  schema: typeof localDestinationConfig,
): LocalDestinationConfig[] {
  const extra: { option: string; entry: unknown }[] = [];
  if (options.splunkUrl) {
    extra.push({
      option: '--splunk-url',
      entry: {
        type: 'splunk-hec',
        name: 'splunk',
        url: options.splunkUrl,
        tokenSecretArn: PLACEHOLDER_ARN('splunk'),
      },
    });
  }
  if (options.elasticsearchUrl) {
    extra.push({
      option: '--elasticsearch-url',
      entry: {
        type: 'elasticsearch',
        name: 'elasticsearch',
        url: options.elasticsearchUrl,
        auth: { type: 'api-key', secretArn: PLACEHOLDER_ARN('elasticsearch') },
      },
    });
  }
  return extra.map(({ option, entry }) => {
    const parsed = schema.safeParse(entry);
    if (parsed.success) return parsed.data;
    // The destination is built from the option alone: its problems are the option's (a usage error).
    throw usageError(`${option}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  });
}

function render(summary: DevSummary): string {
  const { written, forwarded } = summary;
  const lines = [
    `sluice dev ${summary.complete ? 'done' : `stopped (${summary.stoppedBy})`} in ${summary.durationSeconds}s on ${summary.endpoint}${summary.startedMoto ? ' (moto, stopped)' : ''}`,
    `written:   ${written.objects} object(s), ${written.records} record(s), ${formatBytes(written.bytes)} + ${written.vendorTestObjects} vendor test object(s)${written.ingestEvents ? `; ${written.ingestEvents} app event(s) to the ingest queue` : ''}`,
  ];
  if (summary.batcher) {
    lines.push(
      `batcher:   ${summary.batcher.eventsWritten} event(s) into ${summary.batcher.objectsWritten} object(s)${summary.batcher.messagesQuarantined ? `, ${summary.batcher.messagesQuarantined} message(s) quarantined` : ''}`,
    );
  }
  if (summary.collected) {
    lines.push(
      `collector: ${summary.collected.name} ${summary.collected.runs} run(s), ${summary.collected.eventsWritten} event(s) into ${summary.collected.objectsWritten} object(s) from ${summary.collected.apiUrl}`,
    );
  }
  lines.push(
    `forwarder: ${forwarded.objects} object(s), ${forwarded.records} record(s), ${formatBytes(forwarded.bytes)} read; ${forwarded.unreadable} unreadable; ${forwarded.messagesFailed} failed message attempt(s)`,
    '',
    table([
      ['destination', 'delivered', 'quarantined', 'failed'],
      ...Object.entries(forwarded.destinations).map(([name, stats]) => [
        name,
        stats.delivered,
        stats.quarantined,
        stats.failed,
      ]),
    ]),
    '',
    `dead letters: object DLQ ${summary.deadLetters.object}${summary.deadLetters.ingest === null ? '' : `, ingest DLQ ${summary.deadLetters.ingest}`} · quarantine objects: ${summary.quarantineObjects}`,
  );
  if (summary.alerts) lines.push(...renderAlerts(summary.alerts));
  for (const output of summary.outputs)
    lines.push(`${output.destination}: ${output.path} (${output.format})`);
  return lines.join('\n');
}

/** One line per alert: what fired, on which group, in which period, how often, and its latest alert object. */
export function renderAlerts(alerts: NonNullable<DevSummary['alerts']>): string[] {
  if (alerts.length === 0) return ['alerts:    none raised'];
  const group = (values: Readonly<Record<string, unknown>>) =>
    Object.entries(values)
      .map(([field, value]) => `${field}=${String(value)}`)
      .join(' ') || '-';
  return [
    `alerts:    ${alerts.length} raised (forwarded as log type sluice-alerts, like any record)`,
    '',
    table([
      ['level', 'rule', 'group', 'period from', 'count', 'alert object'],
      ...alerts.map((alert) => [
        alert.level,
        alert.rule,
        group(alert.group),
        periodStart(alert.period.start),
        alert.count,
        alert.object,
      ]),
    ]),
    '',
  ];
}

/** `2024-02-01T18:00:00.000Z` → `2024-02-01 18:00Z`: the periods start on the hour. */
function periodStart(iso: string): string {
  return iso.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\d(?:\.\d+)?Z$/, '$1 $2Z');
}

export function registerDev(program: Command, run: Runner): void {
  program
    .command('dev')
    .description(
      'Run the whole pipeline on this machine with no AWS account: moto, the bucket and queues, sample StrongDM objects, a collector pulling a local Cirrus-like API, the batcher and forwarder workers, delivering to local files (or your SIEM)',
    )
    .option('--once', 'process the samples, print the summary and exit (the default when not at a terminal)')
    .option('--timeout <seconds>', 'with --once: stop after this long', parsePositive('--timeout'), 120)
    .option(
      '--objects <n>',
      'sample StrongDM objects to write',
      parsePositive('--objects', { integer: true, max: 10_000 }),
      6,
    )
    .option(
      '--records <n>',
      'records per sample object',
      parsePositive('--records', { integer: true, max: 10_000 }),
      5,
    )
    .option(
      '--events <n>',
      'app events to send to the ingest queue (when a source has "ingest")',
      (value) => (value === '0' ? 0 : parsePositive('--events', { integer: true, max: 100_000 })(value)),
      10,
    )
    .option(
      '--no-collector',
      'leave out the demo collector (a cirrus-siem collector pulling a local Cirrus-like API every minute)',
    )
    .option(
      '--collector-events <n>',
      'events the demo API holds at the start (while running, one more every 20 s)',
      parsePositive('--collector-events', { integer: true, max: 10_000 }),
      10,
    )
    .option(
      '--seed <n>',
      'seed of the sample generator (reproducible samples)',
      parsePositive('--seed', { integer: true }),
    )
    .option('--splunk-url <url>', `also deliver to this Splunk HEC (token in ${devSecretVariable('splunk')})`)
    .option(
      '--elasticsearch-url <url>',
      `also deliver to this Elasticsearch (API key in ${devSecretVariable('elasticsearch')})`,
    )
    .addHelpText(
      'after',
      `
Configuration: --config, else examples/local.json of the package (two "file" destinations writing
what Splunk HEC and Elasticsearch _bulk would be sent under ./.sluice-dev/, and "detections": the
StrongDM rule pack, whose alerts the summary lists). A destination's or alert route's secret is read
from SLUICE_DEV_SECRET_<NAME> (e.g. SLUICE_DEV_SECRET_SPLUNK), never from Secrets Manager.
Uses AWS_ENDPOINT_URL when set; otherwise starts moto (python3 -m moto.server) and stops it on exit.
Ctrl-C stops the workers after the batches in progress, prints the summary and stops moto.
Exit code: with --once, 0 when every sample was delivered (after a Ctrl-C: every one forwarded) and
no message was dead-lettered, 1 otherwise; at a terminal, 0 when stopped by Ctrl-C; 130 on a second
Ctrl-C (exits at once; moto is killed with it).`,
    )
    .action(
      run(async (context: CommandContext, options: DevCommandOptions) => {
        const { localDestinationConfig, runDevPipeline, loadCliConfig } = await import('./deps/dev.js');
        const cli = loadCliConfig(context.options.config ?? DEFAULT_DEV_CONFIG, context.io.cwd);
        const destinations = [...cli.destinations, ...extraDestinations(options, localDestinationConfig)];
        const once = Boolean(options.once) || !context.io.interactive;
        const stop = listenForStop(context.io, context.output, 'stopping the workers and moto …');
        try {
          const summary = await runDevPipeline({
            cli,
            destinations,
            env: context.env,
            cwd: context.io.cwd,
            once,
            timeoutMs: options.timeout * 1000,
            objects: options.objects,
            recordsPerObject: options.records,
            events: options.events,
            collectorEvents: options.collector ? options.collectorEvents : undefined,
            seed: options.seed,
            log: cliLog(context.output, Boolean(context.options.verbose)),
            note: (message) => context.output.note(message),
            stopped: stop.stopped,
          });
          context.output.result(summary, render);
          const delivered = Object.values(summary.forwarded.destinations).every(
            (stats) => stats.failed === 0,
          );
          const clean = summary.deadLetters.object === 0 && !summary.deadLetters.ingest;
          if (summary.stoppedBy === 'timeout' || (once && (!delivered || !clean)))
            throw new CommandFailed('', 1);
        } finally {
          stop.dispose();
        }
      }),
    );
}
