import type { Command } from 'commander';
import { CommandContext, type GlobalOptions } from '../context';
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
      const context = new CommandContext(io, globals);
      try {
        await action(context, options as never, command.args);
      } finally {
        context.close();
      }
    };
}
