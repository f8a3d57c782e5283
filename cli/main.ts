import { CommanderError } from 'commander';
import { SluiceError } from '../lambda/core/errors';
import { createProgram } from './program';
import { CommandFailed, EXIT, exitCodeOf } from './shared/errors';
import { processIo, type CliIo } from './shared/io';

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error has already been printed by commander.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CommandFailed) {
      if (error.message) io.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof SluiceError ? ` [${error.code}]` : '';
    io.stderr.write(`error${code}: ${message}\n`);
    if (!(error instanceof SluiceError) && io.env.SLUICE_DEBUG === 'true' && error instanceof Error) {
      io.stderr.write(`${error.stack}\n`);
    }
    return exitCodeOf(error);
  }
}
