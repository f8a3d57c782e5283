import type { Command } from 'commander';
import type { CommandContext, GlobalOptions } from '../context';
import type { CliIo } from '../shared/io';

export interface RunOptions {
  /**
   * `preloaded` (default): the SDK clients of `context.aws` are loaded before the action.
   * `on-demand`: the action creates the clients it needs through `context.awsSession` (loading only
   * their packages: `sluice forward` of local files to a SIEM needs Secrets Manager at most), and
   * `context.aws` is not available.
   */
  readonly aws?: 'preloaded' | 'on-demand';
}

/** Wraps a command's action: builds its context from the global options and closes it afterwards. */
export type Runner = <O>(
  action: (context: CommandContext, options: O, args: string[]) => Promise<void>,
  runOptions?: RunOptions,
) => (...args: unknown[]) => Promise<void>;

export function createRunner(io: CliIo): Runner {
  return (action, runOptions = {}) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.opts();
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Loaded when a command runs, not for --help: the context brings the configuration schema, and
      // the AWS clients' module brings the AWS SDK.
      const [{ CommandContext }, clients] = await Promise.all([
        import('../context.js'),
        runOptions.aws === 'on-demand' ? undefined : import('../aws/clients.js'),
      ]);
      const context = new CommandContext(io, globals, clients);
      try {
        await action(context, options as never, command.args);
      } finally {
        context.close();
      }
    };
}
