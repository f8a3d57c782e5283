import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ObjectSource, QuarantineWriter } from '../../lambda/core/forward/ports';
import type { ObjectRef } from '../../lambda/core/notifications/object-ref';
import type { CommandContext } from '../context';
import type { ForwardingStatsSnapshot } from '../forwarding/stats';
import type { SkippedTarget } from '../forwarding/targets';
import { forEachConcurrently } from '../shared/concurrently';
import { CommandFailed } from '../shared/errors';
import { formatBytes, table } from '../shared/format';
import { cliLog } from '../shared/log';
import { listenForStop } from '../shared/stop-signal';
import { parsePositive } from '../shared/time-arg';
import type { Runner } from './runner';

interface ForwardOptions {
  destination?: string[];
  source?: string;
  logType?: string;
  quarantineDir?: string;
  dryRun?: boolean;
  concurrency: number;
}

interface ForwardReport {
  readonly dryRun: boolean;
  readonly objects: {
    readonly listed: number;
    readonly forwarded: number;
    readonly failed: number;
    readonly skipped: number;
  };
  readonly bytes: number;
  readonly destinations: readonly string[];
  readonly stats?: ForwardingStatsSnapshot;
  readonly skipped: readonly SkippedTarget[];
  readonly failures: readonly { readonly key: string; readonly code: string; readonly message: string }[];
  readonly quarantine: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Enough to see why, not every key of a large prefix (`--json` lists them all). */
const SKIPPED_SHOWN = 10;

function skippedLines(skipped: readonly SkippedTarget[]): string[] {
  const lines = skipped.slice(0, SKIPPED_SHOWN).map((target) => `skipped: ${target.key}: ${target.reason}`);
  if (skipped.length > SKIPPED_SHOWN)
    lines.push(`skipped: ${skipped.length - SKIPPED_SHOWN} more (--json lists them)`);
  return lines;
}

export function render(report: ForwardReport): string {
  const { objects } = report;
  if (report.dryRun) {
    return [
      `dry run: would forward ${objects.listed - objects.skipped} object(s) (${formatBytes(report.bytes)}) to ${report.destinations.join(', ')}; ${objects.skipped} skipped`,
      ...skippedLines(report.skipped),
    ].join('\n');
  }
  const lines = [
    `forwarded ${objects.forwarded} of ${objects.listed} object(s): ${report.stats?.records ?? 0} record(s), ${formatBytes(report.stats?.bytes ?? 0)} read; ${objects.failed} failed, ${objects.skipped} skipped`,
  ];
  if (report.stats) {
    lines.push(
      table([
        ['destination', 'delivered', 'quarantined', 'failed'],
        ...Object.entries(report.stats.destinations).map(([name, stats]) => [
          name,
          stats.delivered,
          stats.quarantined,
          stats.failed,
        ]),
      ]),
    );
    if (report.stats.unreadable > 0) lines.push(`unreadable records quarantined: ${report.stats.unreadable}`);
  }
  for (const failure of report.failures)
    lines.push(`failed: ${failure.key}: ${failure.code} ${failure.message}`);
  lines.push(...skippedLines(report.skipped));
  lines.push(`quarantine: ${report.quarantine}`);
  return lines.join('\n');
}

export function registerForward(program: Command, run: Runner): void {
  program
    .command('forward')
    .description(
      'Forward local files or an S3 prefix to the destinations from this machine, with the same core as the forwarder Lambda (backfills, self-hosted use)',
    )
    .argument('<paths...>', 'files, folders (walked) or s3://bucket/prefix')
    .option('--destination <name>', 'only this destination (repeatable; default: all configured)', collect)
    .option(
      '--source <name>',
      'read the objects as this source (default: by key prefix; the only source for local files)',
    )
    .option('--log-type <type>', 'log type for records that name none (default: from the key layout)')
    .option(
      '--quarantine-dir <dir>',
      'write quarantined records here (default: the bucket quarantine prefix for S3 objects, ./sluice-quarantine for local files)',
    )
    .option(
      '--concurrency <n>',
      "objects forwarded at once, as the forwarder Lambda works on its batch (the default matches a destination's default requests in flight)",
      parsePositive('--concurrency', { integer: true, max: 64 }),
      4,
    )
    .option('--dry-run', 'list what would be forwarded; send nothing')
    .addHelpText(
      'after',
      `
Each object is streamed, decompressed when gzip, and read as NDJSON or concatenated JSON like the
forwarder does; a destination that stops part-way is resumed where it stopped (3 passes at most).
Local files are named s3://local/<path> in the records' source; forwarding the same file again gives
the same record ids (Elasticsearch answers 409 instead of indexing twice).
Runs no detections (it would open alerts a deployment already raised, without its state): sluice run does.
Ctrl-C finishes the objects in progress and starts no other.
Exit code: 0 when every object was forwarded, 1 otherwise (also after a Ctrl-C); 130 on a second
Ctrl-C (exits at once: the objects in progress may be partly delivered).`,
    )
    .action(
      run(
        async (context: CommandContext, options: ForwardOptions, paths: string[]) => {
          const {
            runtimeConfigOf,
            buildForwarder,
            selectDestinations,
            LOCAL_BUCKET,
            LocalFileSource,
            LocalQuarantineWriter,
            listLocalFiles,
            parseS3Url,
            planTargets,
          } = await import('./deps/forward.js');
          const cli = context.config();
          const destinations = selectDestinations(cli, options.destination);
          const runtime = runtimeConfigOf(cli.config);
          const s3Targets = paths.map(parseS3Url).filter((target) => target !== undefined);
          const localPaths = paths.filter((path) => !parseS3Url(path));
          // Only S3 prefixes load the S3 client and adapters: local files alone never need them.
          const s3 = s3Targets.length > 0 ? await s3Access(context) : undefined;
          const files = await listLocalFiles(localPaths, context.io.cwd);
          const refs: ObjectRef[] = files.map((file) => file.ref);
          for (const target of s3Targets)
            refs.push(...(await s3!.deps.listS3Prefix(s3!.client, target.bucket, target.prefix)));
          const { targets, skipped } = planTargets(refs, runtime.sources, {
            sourceName: options.source,
            logType: options.logType,
            local: new Set(files.map((file) => file.ref.key)),
            configured: new Set(cli.config.sources.map((source) => source.name)),
          });
          const bytes = targets.reduce((sum, target) => sum + (target.ref.size ?? 0), 0);
          const quarantineDir = resolve(context.io.cwd, options.quarantineDir ?? 'sluice-quarantine');
          // S3 objects quarantine into their own bucket (see `quarantine` below).
          const buckets = [...new Set(s3Targets.map((target) => target.bucket))];
          const quarantineLabel =
            options.quarantineDir || buckets.length === 0
              ? quarantineDir
              : `${buckets.map((bucket) => `s3://${bucket}/${cli.config.quarantinePrefix}/`).join(', ')}${localPaths.length > 0 ? ` (local files: ${quarantineDir})` : ''}`;
          const base = {
            destinations: destinations.map((destination) => destination.name),
            skipped,
            quarantine: quarantineLabel,
          };
          if (options.dryRun) {
            context.output.result(
              {
                ...base,
                dryRun: true,
                objects: { listed: refs.length, forwarded: 0, failed: 0, skipped: skipped.length },
                bytes,
                failures: [],
              },
              render,
            );
            return;
          }
          const localSource = new LocalFileSource(files);
          // Every object is a local file or was listed from S3 (then `s3` is loaded).
          const s3Source = s3 && new s3.deps.S3ObjectSource(s3.client);
          const objects: ObjectSource = {
            open: (object, fromByte) =>
              (object.bucket === LOCAL_BUCKET ? localSource : s3Source!).open(object, fromByte),
          };
          const localQuarantine = new LocalQuarantineWriter(quarantineDir);
          const quarantineOf = (where: { object: ObjectRef }): QuarantineWriter =>
            where.object.bucket === LOCAL_BUCKET || options.quarantineDir
              ? localQuarantine
              : new s3!.deps.S3QuarantineWriter(s3!.client, where.object.bucket, cli.config.quarantinePrefix);
          const quarantine: QuarantineWriter = {
            create: (name, body, where) => quarantineOf(where).create(name, body, where),
            read: (name, where) => quarantineOf(where).read(name, where),
          };
          const forwarder = buildForwarder({
            cli,
            aws: context.awsSession,
            destinations,
            objects,
            quarantine,
            log: cliLog(context.output, Boolean(context.options.verbose)),
          });
          const failures: { key: string; code: string; message: string }[] = [];
          let forwarded = 0;
          const stop = listenForStop(
            context.io,
            context.output,
            'finishing the objects in progress, starting no other',
          );
          const progress = context.output.progress('forward', targets.length);
          try {
            // Several objects at once (each one's records still go out in order); after Ctrl-C no new
            // object starts and the ones in progress finish.
            await forEachConcurrently(
              targets,
              options.concurrency,
              async (target) => {
                const outcome = await forwarder.forward(target.ref, target.source, target.logType);
                if (outcome.status === 'complete') forwarded += 1;
                else if (outcome.status === 'skipped')
                  skipped.push({ key: target.ref.key, reason: outcome.reason });
                else failures.push({ key: target.ref.key, code: outcome.code, message: outcome.message });
                progress.update(forwarded + failures.length, target.ref.key);
              },
              () => stop.requested,
            );
          } finally {
            progress.stop();
            stop.dispose();
            forwarder.close();
          }
          const report: ForwardReport = {
            ...base,
            dryRun: false,
            objects: { listed: refs.length, forwarded, failed: failures.length, skipped: skipped.length },
            bytes,
            stats: forwarder.stats.snapshot(),
            failures,
          };
          context.output.result(report, render);
          if (failures.length > 0 || stop.requested) throw new CommandFailed('', 1);
        },
        { aws: 'on-demand' },
      ),
    );
}

/** The S3 client and adapters, for S3 prefixes. */
async function s3Access(context: CommandContext) {
  const deps = await import('./deps/forward-s3.js');
  return { deps, client: deps.s3Of(context.awsSession) };
}
