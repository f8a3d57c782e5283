import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import type { ReplayReport } from '../replay/replay';
import { CommandFailed, usageError } from '../shared/errors';
import { formatBytes } from '../shared/format';
import { cliLog } from '../shared/log';
import { listenForStop } from '../shared/stop-signal';
import { parsePositive, parseTimeArg } from '../shared/time-arg';
import type { Runner } from './runner';

interface ReplayOptions {
  source: string;
  from: string;
  to: string;
  logType?: string[];
  direct?: boolean;
  allVersions?: boolean;
  destination?: string[];
  rate?: number;
  maxObjects?: number;
  checkpoint?: string;
  restart?: boolean;
  dryRun?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function render(report: ReplayReport): string {
  const verb = report.mode === 'enqueue' ? 'enqueued' : 'forwarded';
  const head = report.dryRun
    ? `dry run: ${report.listed} object(s), ${formatBytes(report.bytes)}, would be ${verb}`
    : `${verb} ${report.done} object(s) (${formatBytes(report.bytes)} listed)${report.doneBefore ? `, ${report.doneBefore} by earlier runs` : ''}`;
  const lines = [
    `${head}${report.allVersions ? ' (every version)' : ''}; source ${report.source}, ${report.from} → ${report.to}, log types ${report.logTypes.join(', ') || '(none found)'}, ${report.prefixes} prefix(es) listed`,
  ];
  if (report.resumedAfter) lines.push(`resumed after ${report.resumedAfter}`);
  if (report.canariesSkipped > 0)
    lines.push(`skipped ${report.canariesSkipped} sluice verify canary object(s): never replayed`);
  if (report.skipped > 0)
    lines.push(
      `skipped ${report.skipped} listed object(s) outside the range by their time, or holding no logs (digests, tokens)`,
    );
  if (report.gone.length > 0)
    lines.push(
      `not forwarded: ${report.gone.length} listed object(s) deleted or overwritten before they were read (${report.gone.join(', ')})`,
    );
  if (report.failure)
    lines.push(`stopped at ${report.failure.key}: ${report.failure.code} ${report.failure.message}`);
  if (report.stoppedBy === 'max-objects')
    lines.push('stopped at --max-objects; run the same command again to continue');
  if (report.stoppedBy === 'signal') lines.push('interrupted; run the same command again to continue');
  if (!report.dryRun)
    lines.push(
      report.complete ? 'replay complete' : `checkpoint: last key done ${report.lastKey ?? '(none)'}`,
    );
  return lines.join('\n');
}

export function registerReplay(program: Command, run: Runner): void {
  program
    .command('replay')
    .description(
      "Send a time range of a source's objects through the forwarder again: enqueue synthetic S3 notifications on the object queue, or forward directly with --direct",
    )
    .requiredOption('--source <name>', 'source name from the configuration')
    .requiredOption(
      '--from <time>',
      'start (inclusive): ISO 8601 UTC (2024-02-01T18:50Z), or a duration ago (6h, 7d)',
    )
    .requiredOption(
      '--to <time>',
      "end (exclusive, minute resolution): ISO 8601 UTC, 'now' or a duration ago",
    )
    .option(
      '--log-type <type>',
      'only this log type (repeatable; default: every log type of the source)',
      collect,
    )
    .option('--direct', 'forward from this machine instead of enqueueing for the forwarder Lambda')
    .option('--destination <name>', 'with --direct: only this destination (repeatable)', collect)
    .option(
      '--all-versions',
      'every version of each key, the overwritten ones too (a versioned bucket; needs s3:ListBucketVersions and s3:GetObjectVersion), not only the current one',
    )
    .option('--rate <per-second>', 'at most this many objects per second', parsePositive('--rate'))
    .option(
      '--max-objects <n>',
      'stop after this many objects (continue later from the checkpoint)',
      parsePositive('--max-objects', { integer: true }),
    )
    .option('--checkpoint <file>', 'progress file (default: .sluice/replay-<source>.json)')
    .option('--restart', 'ignore the checkpoint and start from the beginning of the range')
    .option('--dry-run', 'list what would be replayed; enqueue and forward nothing')
    .addHelpText(
      'after',
      `
Only the source's key layout prefixes of the range are listed (for StrongDM's layout,
<prefix>/<logType>/YYYY/MM/DD/HH/MM/), never the whole bucket. The time is the one the object's key
names, in UTC (the minute it was written, or CloudTrail's delivery minute); for keys that name only a
day (Cloudflare's {DATE} folders), the time S3 stored the object.
Resumable: after every batch the checkpoint file records the last key done; running the same
command again continues after it, and a finished replay is not repeated (--restart to redo it).
Elasticsearch receives replayed records exactly once (same _id); Splunk and HTTPS receive them again.
Current versions only, unless --all-versions: then every version of each key in the range (overwritten
or deleted since), each read by its version id, a key's versions together.
--direct runs no detections (it would open alerts the deployment already raised, without its state);
enqueueing does, in the forwarder, where an alert already raised is not raised again.
A --log-type under which no object of the range is found is warned about, with the log types there.
Ctrl-C finishes the batch in progress and writes the checkpoint.
Exit code: 0 when the range is done, or stopped at --max-objects or by Ctrl-C (run it again to
continue); 1 when an object could not be enqueued or forwarded (the checkpoint keeps what was done);
2 bad usage or configuration; 130 on a second Ctrl-C (exits at once: the batch in progress is
enqueued or forwarded again by the next run).`,
    )
    .action(
      run(async (context: CommandContext, options: ReplayOptions) => {
        const {
          S3ObjectSource,
          S3QuarantineWriter,
          runtimeConfigOf,
          sourcesWithAlerts,
          buildForwarder,
          selectDestinations,
          CheckpointFile,
          replay,
          unmatchedLogTypeWarnings,
        } = await import('./deps/replay.js');
        const now = new Date();
        const from = parseTimeArg(options.from, now, '--from');
        const to = parseTimeArg(options.to, now, '--to');
        if (to <= from)
          throw usageError(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
        if (options.destination && !options.direct)
          throw usageError('--destination needs --direct (the forwarder Lambda sends to every destination)');
        const cli = context.config();
        // With detections, the alerts source (`sluice`) can be replayed too: alerts go to the SIEM and routes again.
        const sources = sourcesWithAlerts(cli.config);
        const source = sources.find((candidate) => candidate.name === options.source);
        if (!source) {
          throw usageError(
            `source '${options.source}' is not in ${cli.path}. Fix: use one of ${sources.map((s) => s.name).join(', ')}`,
          );
        }
        const deployment = await context.deployment();
        const checkpoint = new CheckpointFile(
          resolve(context.io.cwd, options.checkpoint ?? `.sluice/replay-${source.name}.json`),
        );
        let forwarder;
        if (options.direct && !options.dryRun) {
          forwarder = buildForwarder({
            cli,
            aws: context.aws,
            destinations: selectDestinations(cli, options.destination),
            objects: new S3ObjectSource(context.aws.s3),
            quarantine: new S3QuarantineWriter(
              context.aws.s3,
              deployment.bucket,
              deployment.quarantinePrefix,
            ),
            log: cliLog(context.output, Boolean(context.options.verbose)),
          });
        }
        const forwardSource = runtimeConfigOf(cli.config).sources.find(
          (candidate) => candidate.name === source.name,
        )!;
        const stop = listenForStop(
          context.io,
          context.output,
          'finishing the batch in progress and writing the checkpoint',
        );
        const progress = context.output.progress('replay');
        try {
          const report = await replay({
            s3: context.aws.s3,
            sqs: context.aws.sqs,
            bucket: deployment.bucket,
            queueUrl: deployment.objects.queueUrl,
            region: context.region,
            source,
            from,
            to,
            logTypes: options.logType,
            mode: options.direct ? 'direct' : 'enqueue',
            allVersions: options.allVersions,
            forward: forwarder
              ? (object, logType) =>
                  forwarder.forward(
                    {
                      bucket: deployment.bucket,
                      key: object.key,
                      eTag: object.eTag?.replace(/"/g, ''),
                      ...(object.versionId ? { versionId: object.versionId } : {}),
                      size: object.size,
                      eventTime: object.lastModified,
                    },
                    forwardSource,
                    logType,
                  )
              : undefined,
            rate: options.rate,
            dryRun: options.dryRun,
            maxObjects: options.maxObjects,
            checkpoint,
            restart: options.restart,
            onProgress: (done, key) => progress.update(done, key),
            shouldStop: () => stop.requested,
          });
          progress.stop();
          for (const { message, logType } of unmatchedLogTypeWarnings(report.unmatchedLogTypes))
            context.output.warn(message, { logType });
          context.output.result(
            { ...report, checkpoint: checkpoint.path, forwarding: forwarder?.stats.snapshot() },
            render,
          );
          if (report.failure) throw new CommandFailed('', 1);
        } finally {
          stop.dispose();
          forwarder?.close();
        }
      }),
    );
}
