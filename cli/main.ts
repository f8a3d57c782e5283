import { CommanderError, type Command } from 'commander';
import { SluiceError } from '../lambda/core/errors';
import { namedProfile, sharedProfiles } from './aws/profiles';
import { awsSetupError, awsSetupFailure } from './aws/setup-errors';
import { awsEndpointUnreachable } from './aws/unreachable';
import { createProgram } from './program';
import { CommandFailed, EXIT, exitCodeOf } from './shared/errors';
import { processIo, type CliIo } from './shared/io';

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  // Every level: a subcommand's own usage error (`sluice setup elasticsearch` without its argument)
  // would otherwise end the process instead of returning exit code 2.
  const overrideExit = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(overrideExit);
  };
  overrideExit(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (thrown) {
    const options = program.opts<{ profile?: string; region?: string; endpointUrl?: string }>();
    const error =
      (await explainAwsSetup(thrown, options.profile, io.env)) ??
      awsEndpointUnreachable(thrown, {
        region: options.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
        endpointUrl: options.endpointUrl,
      }) ??
      thrown;
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error has already been printed by commander.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // With --json, stderr is JSON lines (what cliLog writes), so the final error is one too.
    const json = program.opts<{ json?: boolean }>().json === true;
    if (error instanceof CommandFailed) {
      if (error.message) io.stderr.write(json ? jsonError(error.message) : `${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof SluiceError ? error.code : undefined;
    io.stderr.write(json ? jsonError(message, code) : `error${code ? ` [${code}]` : ''}: ${message}\n`);
    if (!(error instanceof SluiceError) && io.env.SLUICE_DEBUG === 'true' && error instanceof Error) {
      io.stderr.write(`${error.stack}\n`);
    }
    return exitCodeOf(error);
  }
}

/** The shared AWS files are read only when the SDK has failed for want of a region or credentials. */
async function explainAwsSetup(thrown: unknown, flag: string | undefined, env: NodeJS.ProcessEnv) {
  if (!awsSetupFailure(thrown)) return undefined;
  const named = namedProfile(flag, env);
  return awsSetupError(thrown, named ? { named, shared: await sharedProfiles(env) } : undefined);
}

function jsonError(message: string, code?: string): string {
  return `${JSON.stringify({ level: 'error', message, ...(code ? { code } : {}) })}\n`;
}
