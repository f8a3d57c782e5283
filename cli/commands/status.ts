import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { formatAge, table } from '../shared/format';
import { parsePositive } from '../shared/time-arg';
import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';
import type { CollectorStatus } from '../status/collectors';
import type { StatusReport } from '../status/status';
import { DEFAULT_THRESHOLDS } from '../status/verdict';
import type { Runner } from './runner';

/** The stuck-tie line's wording lives with the collectors' code, loaded with the report. */
type DescribeStuckTie = (collector: string, tie: NonNullable<CollectorStatus['stuck']>) => string;

function renderCollectors(
  collectors: readonly CollectorStatus[],
  describeStuckTie: DescribeStuckTie,
): string {
  const lines = [
    table([
      ['collector', 'last run', 'ended', 'events', 'newest event', 'lag', 'resumes at'],
      ...collectors.map((collector) => [
        collector.name,
        collector.running ? 'running' : (collector.lastRun?.status ?? '(never run)'),
        collector.lastRun?.endedAt ?? '-',
        collector.lastRun?.eventsWritten ?? '-',
        collector.newestEventAt ?? '-',
        collector.lagSeconds === null ? '-' : formatAge(collector.lagSeconds),
        collector.checkpoint
          ? `${collector.checkpoint.since}${collector.checkpoint.cursor ? ' + cursor' : ''}`
          : '(first run)',
      ]),
    ]),
  ];
  for (const collector of collectors) {
    if (collector.lastError) {
      lines.push(`collector ${collector.name}: ${collector.lastError.code} ${collector.lastError.message}`);
    }
    if (collector.stuck) lines.push(describeStuckTie(collector.name, collector.stuck));
  }
  return lines.join('\n');
}

function render(report: StatusReport, describeStuckTie: DescribeStuckTie): string {
  const lines = [`${report.deployment} · bucket ${report.bucket}`, ''];
  lines.push(
    table([
      ['queue', 'waiting', 'in flight', 'oldest'],
      ...report.queues.map((queue) => [
        queue.name,
        queue.visible,
        queue.inFlight,
        formatAge(queue.oldestAgeSeconds),
      ]),
    ]),
  );
  lines.push('');
  if (report.sources) {
    lines.push(
      table([
        ['source', 'newest object', 'age'],
        ...report.sources.map((source) => [
          source.name,
          source.newest?.key ?? '(none yet)',
          source.newest ? formatAge(source.newest.ageSeconds) : '-',
        ]),
      ]),
    );
  } else {
    lines.push('sources: no configuration file (pass --config) to show the newest object per source');
  }
  lines.push('');
  lines.push(
    `quarantined: ${report.quarantine.objects}${report.quarantine.truncated ? '+' : ''} object(s) under ${report.quarantine.prefix}/`,
  );
  if (report.collectors && report.collectors.length > 0)
    lines.push('', renderCollectors(report.collectors, describeStuckTie));
  lines.push(`verdict: ${report.verdict.summary}`);
  return lines.join('\n');
}

export function registerStatus(program: Command, run: Runner): void {
  program
    .command('status')
    .description(
      "Show queue depths and oldest-message ages (object and ingest queues, their DLQs), the newest object per source, the quarantined count, each collector's last run, checkpoint, last error and lag, and a verdict: healthy, backlog or failing",
    )
    .option(
      '--max-age <seconds>',
      'a queue whose oldest message waited longer is a backlog',
      parsePositive('--max-age'),
      DEFAULT_THRESHOLDS.maxAgeSeconds,
    )
    .option(
      '--quarantine-limit <n>',
      'stop counting quarantined objects after this many',
      parsePositive('--quarantine-limit', { integer: true }),
      10_000,
    )
    .addHelpText(
      'after',
      `
A collector stopped by COLLECTOR_TIES_EXCEED_PAGE shows the second every run stops at, how many
events share it, and the command past it (.collectors[].stuck in --json).
Exit code: 0 whatever the verdict (scripts read .verdict.state from --json); 1 when the deployment cannot be read.`,
    )
    .action(
      run(async (context: CommandContext, options: { maxAge: number; quarantineLimit: number }) => {
        const { collectStatus } = await import('../status/status.js');
        const { describeStuckTie } = await import('../collectors/stuck-tie.js');
        const { sourcesWithAlerts } = await import('../../lambda/core/config/alerts-source.js');
        const deployment = await context.deployment();
        const config = context.optionalConfig();
        const collectors = config?.config.collectors ?? [];
        let checkpoints: { read(name: string): Promise<CollectorState | undefined> } | undefined;
        if (collectors.length > 0 && deployment.collectorTable) {
          const { deploymentCheckpoints } = await import('../collectors/aws.js');
          checkpoints = deploymentCheckpoints(context.aws, deployment);
        } else if (collectors.length > 0) {
          context.output.warn(
            `${deployment.origin} has no collectors' checkpoint table (deploy the configuration's collectors): collectors not shown`,
          );
        }
        const report = await collectStatus(context.aws, deployment, {
          sources: config && sourcesWithAlerts(config.config),
          collectors: checkpoints && { configs: collectors, read: (name) => checkpoints.read(name) },
          quarantineLimit: options.quarantineLimit,
          thresholds: { ...DEFAULT_THRESHOLDS, maxAgeSeconds: options.maxAge },
        });
        context.output.result(report, (shown) => render(shown, describeStuckTie));
      }),
    );
}
