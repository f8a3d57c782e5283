/**
 * The real `sluice` command line (cli/program.ts `createProgram`, as `runCli` builds it), run without
 * ever starting a command: for the CLI reference (each command's `--help`) and the docs check (a
 * command line shown in the docs parses). A `preAction` hook stops every parse that gets as far as a
 * command's action, so nothing touches AWS, the network or the disk. Help is 80 columns wide and
 * without colours whatever the terminal, so that the reference is the same on every machine.
 */
import { Writable } from 'node:stream';
import { CommanderError, type Command } from 'commander';
import { createProgram } from '../../cli/program';
import { EXIT } from '../../cli/shared/errors';
import type { CliIo } from '../../cli/shared/io';
import { SluiceError } from '../../lambda/core/errors';

export const HELP_WIDTH = 80;

/** What one parse produced. */
export interface ProgramRun {
  /** True when the line parsed and would have run a command's action. */
  readonly reachedAction: boolean;
  /** Commander's exit code when it stopped first: 0 for `--help`/`--version`, else a usage error. */
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
}

class StoppedBeforeAction extends Error {}

function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)];
}

/**
 * Every command path below the program, depth first in the order `--help` lists them: `[['status'], …]`.
 * `help [command]` is left out: it prints the pages listed here.
 */
export function commandPaths(program: Command, prefix: readonly string[] = []): string[][] {
  const pages = program.commands.filter((command) => command.name() !== 'help');
  return pages.flatMap((command) => {
    const path = [...prefix, command.name()];
    return [path, ...commandPaths(command, path)];
  });
}

/** A program whose output goes to `sink` and whose parse stops before any action. */
export function inertProgram(sink: { stdout: string[]; stderr: string[] }): Command {
  const stream = (chunks: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
  const io: CliIo = {
    stdout: stream(sink.stdout),
    stderr: stream(sink.stderr),
    env: {},
    cwd: process.cwd(),
    interactive: false,
    onStopSignal: () => () => undefined,
    exit: (code) => {
      throw new Error(`the docs' program never exits (asked for exit ${code})`);
    },
  };
  const program = createProgram(io);
  for (const command of commandsOf(program)) {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => sink.stdout.push(text),
      writeErr: (text) => sink.stderr.push(text),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  }
  program.hook('preAction', (_program, actionCommand) => {
    // `help <command>` only prints a page, or refuses a command it does not know.
    if (actionCommand.name() !== 'help') throw new StoppedBeforeAction();
  });
  return program;
}

/** Parses `argv` (the arguments after `sluice`) with the real program, running no action. */
export async function parseOnly(argv: readonly string[]): Promise<ProgramRun> {
  const sink = { stdout: [] as string[], stderr: [] as string[] };
  const program = inertProgram(sink);
  const done = (reachedAction: boolean, exitCode?: number): ProgramRun => ({
    reachedAction,
    exitCode,
    stdout: sink.stdout.join(''),
    stderr: sink.stderr.join(''),
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // A parse that ends without an action and without an error (no such path today).
    return done(false, 0);
  } catch (error) {
    if (error instanceof StoppedBeforeAction) return done(true);
    if (error instanceof CommanderError) {
      // Help asked for (`--help`, `help <command>`) exits with process.exitCode, which a failed test
      // before may have set: what tells it from help shown for a usage error is where it went.
      const asked =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        (error.code === 'commander.help' && sink.stderr.length === 0);
      return done(false, asked ? 0 : error.exitCode || EXIT.usage);
    }
    // An option's own parser refusing its value (`--max -3`), as runCli reports it.
    if (error instanceof SluiceError && error.code === 'USAGE') {
      sink.stderr.push(`error [USAGE]: ${error.message}\n`);
      return done(false, EXIT.usage);
    }
    throw error;
  }
}
