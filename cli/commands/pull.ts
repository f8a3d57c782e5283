import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeOutcome } from '../collectors/outcome';
import { findCollector } from '../collectors/find';
import { parseQueryArg } from '../collectors/query-arg';
import type { CommandContext } from '../context';
import { CommandFailed, usageError } from '../shared/errors';
import { listenForStop } from '../shared/stop-signal';
import { parsePositive, parseTimeArg } from '../shared/time-arg';
import type { Runner } from './runner';

interface PullOptions {
  since?: string;
  until?: string;
  query?: Record<string, string>;
  limit?: number;
  x?: boolean;
  out?: string;
  toBucket?: boolean;
}

const DAY_MS = 86_400_000;
/** An interactive pull is bounded by Ctrl-C; this only ends retries of an API that never recovers. */
const PULL_BUDGET_MS = 6 * 3_600_000;

/** Writes lines to a stream, waiting when it asks to (a pipe to a slower reader). */
function lineWriter(stream: NodeJS.WritableStream): (line: string) => Promise<void> {
  return async (line) => {
    if (!stream.write(`${line}\n`)) await once(stream, 'drain');
  };
}

function resumeHint(signal: NodeJS.Signals | undefined, since: string): string {
  return `stopped by ${signal ?? 'a signal'}: the same command with --since ${since} reads the rest (the events of that instant again)`;
}

export function registerPull(program: Command, run: Runner): void {
  program
    .command('pull')
    .argument('<collector>', 'a collector name from the configuration (collectors[].name)')
    .description(
      "Read a collector's API interactively, as the Cirrus client does: NDJSON on stdout (or --out), or objects into the bucket with --to-bucket (a backfill); the checkpoint is never read nor moved",
    )
    .option(
      '--since <time>',
      "lower time bound (inclusive): ISO 8601 UTC, or a duration ago (default: the collector's firstRunDays before --until)",
    )
    .option(
      '--until <time>',
      "upper time bound: ISO 8601 UTC, 'now' or a duration ago; a future time means now (default: now)",
    )
    .option(
      '--query <key=value,…>',
      'exact-match filters (cirrus-siem: tenant, service, metrictype, metricsubtype, clientip, correlationid, user) or query parameters (http-json), added to the configured ones',
      parseQueryArg,
    )
    .option(
      '--limit <n>',
      'events per API query (default: the configured limit)',
      parsePositive('--limit', { integer: true }),
    )
    .option('-x', 'one API query only (test a query, or see whether anything is there)')
    .option('--out <file>', 'write the NDJSON to this file instead of stdout')
    .option(
      '--to-bucket',
      "write the events as objects into the deployment's bucket, in the collector's layout (a backfill)",
    )
    .addHelpText(
      'after',
      `
Secrets are read from Secrets Manager with your credentials. Events go out as the API sent them
(with sluice_event_id added where the API gives no id), one per line.
--to-bucket writes what the scheduled collector would, under <source prefix>/<logType>/, and the
forwarder sends it on; events the collector wrote already are sent again (Elasticsearch keeps one
per id). Ctrl-C stops after the page in progress (--to-bucket: after writing what it holds) and
prints the --since that reads the rest; a page waiting to be retried (429, 5xx) is given up at once,
a request in flight is waited for (an API that never answers: until requestTimeoutSeconds).
Exit code: 0 when the range was read (or -x's one query), also when stopped by Ctrl-C; 1 when the
API, its secret or the bucket failed (what was written stays written);
2 bad usage or configuration; 130 on a second Ctrl-C (exits at once).`,
    )
    .action(
      run(async (context: CommandContext, options: PullOptions, args: string[]) => {
        const [name] = args;
        if (options.toBucket && options.out) throw usageError('--out and --to-bucket exclude each other');
        const deps = await import('./deps/collectors.js');
        const cli = context.config();
        const configured = findCollector(cli, name);
        const collector = deps.pullConfig(configured, { query: options.query, limit: options.limit });
        const now = new Date();
        const asked = options.until ? parseTimeArg(options.until, now, '--until') : now;
        const until = asked > now ? now : asked;
        const since = options.since
          ? parseTimeArg(options.since, now, '--since')
          : new Date(until.getTime() - collector.firstRunDays * DAY_MS);
        if (since >= until) {
          throw usageError(
            `--since (${since.toISOString()}) must be before --until (${until.toISOString()})`,
          );
        }
        const range = `${since.toISOString()} → ${until.toISOString()}`;

        if (options.toBucket) {
          const deployment = await context.deployment();
          const runtime = { ...deps.collectorRuntimeConfigOf(cli.config, name), collector };
          const runDeps = deps.collectDeps(context.aws, deployment, new deps.MemoryCheckpointStore());
          const progress = context.output.progress(`pull ${name}`);
          let written = 0;
          // Ctrl-C writes what the run holds and ends it (the objects written stay written).
          const stop = listenForStop(
            context.io,
            context.output,
            'writing what the backfill holds, then stopping',
          );
          try {
            const outcome = await deps.collectOnce(runtime, runDeps, {
              deadline: Date.now() + PULL_BUDGET_MS,
              shouldStop: () => stop.requested,
              signal: stop.abortSignal,
              since,
              until,
              onePage: Boolean(options.x),
              observer: {
                objectWritten: (info) => progress.update((written += info.records), info.key),
              },
            });
            progress.stop();
            // Stopped early, the backfill is only as far as its newest written event: say how to go on.
            const resumeSince =
              stop.requested && outcome.status === 'paused'
                ? (outcome.newestEventAt ?? since.toISOString())
                : undefined;
            context.output.result(
              { collector: name, since, until, ...outcome, ...(resumeSince ? { resumeSince } : {}) },
              () =>
                `${describeOutcome(name, outcome)}; ${range}, under ${runtime.prefix}/${collector.logType}/${resumeSince ? `\n${resumeHint(stop.signal, resumeSince)}` : ''}`,
            );
            if (outcome.status === 'failed') throw new CommandFailed('', 1);
          } finally {
            stop.dispose();
            runDeps.close();
          }
          return;
        }

        const stop = listenForStop(context.io, context.output, 'stopping after the page in progress');
        const transport = new deps.HttpClient({ maxSockets: 2 });
        const client = deps.createCollectorClient(collector, {
          secrets: deps.operatorSecrets(context.aws),
          api: {
            transport,
            requestTimeoutMs: collector.requestTimeoutSeconds * 1000,
            signal: stop.abortSignal,
          },
        });
        const file = options.out ? createWriteStream(resolve(context.io.cwd, options.out)) : undefined;
        try {
          const result = await deps.pullEvents(client, {
            since,
            until,
            onePage: Boolean(options.x),
            deadline: Date.now() + PULL_BUDGET_MS,
            write: lineWriter(file ?? context.io.stdout),
            shouldStop: () => stop.requested,
            onPage: (pages, events) =>
              context.output.note(`page ${pages}: ${events} event(s) so far`, { pages, events }),
          });
          context.output.note(
            `${result.events} event(s) in ${result.pages} page(s) from collector ${name}, ${range}${result.stoppedBy === 'signal' ? ' (interrupted)' : ''}${options.out ? ` → ${options.out}` : ''}${result.resumeSince ? `\n${resumeHint(stop.signal, result.resumeSince)}` : ''}`,
            { collector: name, ...result },
          );
        } finally {
          stop.dispose();
          transport.close();
          if (file) {
            file.end();
            await once(file, 'close');
          }
        }
      }),
    );
}
