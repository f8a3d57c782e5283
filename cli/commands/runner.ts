import type { Command } from 'commander';
import type { CommandContext, GlobalOptions } from '../context';
import type { CliIo } from '../shared/io';

/** Wraps a command's action: builds its context from the global options and closes it afterwards. */
export type Runner = <O>(
  action: (context: CommandContext, options: O, args: string[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

export function createRunner(io: CliIo): Runner {
  return (action) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.opts();
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Loaded when a command runs, not for --help: the context brings the AWS SDK and the config schema.
      const { CommandContext } = await import('../context.js');
      const context = new CommandContext(io, globals);
      try {
        await action(context, options as never, command.args);
      } finally {
        context.close();
      }
    };
}
