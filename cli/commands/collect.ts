import type { Command } from 'commander';
import { describeOutcome, resumePoint } from '../collectors/outcome';
import { findCollector } from '../collectors/find';
import type { CommandContext } from '../context';
import { CommandFailed } from '../shared/errors';
import { listenForStop } from '../shared/stop-signal';
import { registerCollectCheckpoint } from './collect-checkpoint';
import type { Runner } from './runner';

export function registerCollect(program: Command, run: Runner): void {
  const collect = program
    .command('collect')
    .argument('<collector>', 'a collector name from the configuration (collectors[].name)')
    .description(
      "Run one scheduled run of a collector on this machine, as its Lambda function does: take its lease, resume from its checkpoint in the deployment's table, write new events as objects into the bucket, move the checkpoint",
    )
    .addHelpText(
      'after',
      `
The run stops when the API is caught up or when the collector's runTimeoutSeconds is spent (the
next run continues). It never overlaps a scheduled run: while one holds the lease, this one does
nothing (status "skipped"). Secrets are read with your credentials.
Ctrl-C ends the run as a spent runTimeoutSeconds does, after the page in progress: what it holds is
written, the checkpoint moved and the lease released (status "paused"), and it prints where the next
run resumes. A page waiting to be retried (429, 5xx) is given up at once, never written past.
Exit code: 0 caught up, paused or skipped; 1 when the run failed (see the code); 130 on a second
Ctrl-C (exits at once: events written since the checkpoint are collected again by the next run,
once its lease has expired).`,
    )
    .action(
      run(async (context: CommandContext, _options: unknown, args: string[]) => {
        const [name] = args;
        const deps = await import('./deps/collectors.js');
        const cli = context.config();
        const collector = findCollector(cli, name);
        const deployment = await context.deployment();
        const checkpoints = deps.deploymentCheckpoints(context.aws, deployment);
        const runDeps = deps.collectDeps(context.aws, deployment, checkpoints);
        const stop = listenForStop(
          context.io,
          context.output,
          'writing what the run holds and moving the checkpoint, then stopping',
        );
        try {
          const outcome = await deps.collectOnce(deps.collectorRuntimeConfigOf(cli.config, name), runDeps, {
            deadline: deps.fetchDeadline(Date.now(), collector.runTimeoutSeconds * 1000),
            shouldStop: () => stop.requested,
            signal: stop.abortSignal,
          });
          // Stopped early, the operator needs where the next run starts: the checkpoint as stored.
          const resume =
            stop.requested && outcome.status !== 'skipped'
              ? await resumePoint(name, () => checkpoints.read(name))
              : undefined;
          context.output.result(
            { collector: name, ...outcome, ...(resume ? { resumesFrom: resume.since } : {}) },
            () =>
              resume
                ? `${describeOutcome(name, outcome)}\nstopped by ${stop.signal}: ${resume.text}`
                : describeOutcome(name, outcome),
          );
          if (outcome.status === 'failed') throw new CommandFailed('', 1);
        } finally {
          stop.dispose();
          runDeps.close();
        }
      }),
    )
    // `sluice collect help` would otherwise be a command, and `help` a collector it cannot run.
    .helpCommand(false);
  registerCollectCheckpoint(collect, run);
}
