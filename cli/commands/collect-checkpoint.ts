import type { Command } from 'commander';
import { findCollector } from '../collectors/find';
import type { CommandContext } from '../context';
import { CommandFailed, usageError } from '../shared/errors';
import { parseTimeArg } from '../shared/time-arg';
import type { Runner } from './runner';

interface CheckpointOptions {
  skipSecond?: boolean;
  set?: string;
  yes?: boolean;
}

export function registerCollectCheckpoint(collect: Command, run: Runner): void {
  collect
    .command('checkpoint')
    .argument('<collector>', 'a collector name from the configuration (collectors[].name)')
    .description(
      "Show a collector's checkpoint in the deployment's table, or move it on purpose: past the second a COLLECTOR_TIES_EXCEED_PAGE stop cannot read past (--skip-second), or to a time (--set)",
    )
    .option(
      '--skip-second',
      'move past the second (or millisecond) the last run stopped at with COLLECTOR_TIES_EXCEED_PAGE',
    )
    .option('--set <time>', 'resume from this time (ISO 8601 UTC, or a duration ago such as 2h)')
    .option('--yes', 'move without asking (required when no terminal can answer)')
    .addHelpText(
      'after',
      `
Without --skip-second or --set it changes nothing. Moving forward skips the events not written yet
before the new time, and how many is unknown; moving back collects events again. It asks first,
unless --yes. It refuses while a run holds the lease or after a run moved the checkpoint since it
was read; the next scheduled run (or sluice collect) resumes from the new point.
Exit code: 0 shown or moved; 1 not confirmed, or the table refused the change; 2 bad usage.`,
    )
    .action(
      run(async (context: CommandContext, options: CheckpointOptions, args: string[]) => {
        const [name] = args;
        if (options.skipSecond && options.set !== undefined) {
          throw usageError('--skip-second and --set move the checkpoint to different places: give one');
        }
        const collector = findCollector(context.config(), name);
        const [{ deploymentCheckpoints }, moves, { renderState, stateView }] = await Promise.all([
          import('../collectors/aws.js'),
          import('../collectors/checkpoint-move.js'),
          import('../collectors/checkpoint-view.js'),
        ]);
        const { describeMove, movableCheckpoint, moveCheckpoint, pastTiedSecond, precisionOf } = moves;
        const store = deploymentCheckpoints(context.aws, await context.deployment());
        const state = await store.read(name);
        if (!options.skipSecond && options.set === undefined) {
          context.output.result(stateView(name, state), renderState);
          return;
        }
        const { checkpoint, checkpointAt } = movableCheckpoint(name, state);
        const now = new Date();
        const to = options.skipSecond
          ? pastTiedSecond(name, state, precisionOf(collector))
          : parseTimeArg(options.set!, now, '--set');
        const move = moveCheckpoint(name, checkpoint, to, now);
        context.output.note(describeMove(move));
        if (!options.yes) {
          if (!context.io.confirm) {
            throw usageError(
              'nobody at a terminal can confirm the move. Fix: add --yes to move the checkpoint',
            );
          }
          if (!(await context.io.confirm('Move the checkpoint?'))) {
            context.output.result({ ...move, moved: false }, () => 'nothing changed');
            throw new CommandFailed('', 1);
          }
        }
        await store.setCheckpoint(name, move.checkpoint, checkpointAt);
        context.output.result(
          { ...move, moved: true },
          () => `moved: collector ${name}'s next run resumes from ${move.to}`,
        );
      }),
    );
}
