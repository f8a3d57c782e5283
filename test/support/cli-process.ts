import { spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'sluice.mjs');

/** `sluice` run as its own process (bin/sluice.mjs), its output collected as it comes. */
export interface CliProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Whether the process is still running. */
  running(): boolean;
  signal(signal: NodeJS.Signals): void;
  /**
   * The exit code once the process has exited and its output was read to the end ('close', not
   * 'exit'); null when a signal ended it, 'hung' after `ceilingMs` (a guard, not a clock: the process
   * is killed then).
   */
  closed(ceilingMs: number): Promise<number | null | 'hung'>;
}

export function spawnCli(
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let closedCode: number | null | undefined;
  const close = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve((closedCode = code))),
  );
  return {
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    running: () => child.exitCode === null && child.signalCode === null,
    signal: (signal) => child.kill(signal),
    closed: async (ceilingMs) => {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ceilingMs)));
      const code = await Promise.race([close, hung]);
      clearTimeout(timer);
      if (code === 'hung' && closedCode === undefined) child.kill('SIGKILL');
      return code;
    },
  };
}
