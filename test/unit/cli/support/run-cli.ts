import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runCli } from '../../../../cli/main';
import type { CliIo } from '../../../../cli/shared/io';

/** What `sluice <args>` printed and the exit code it answered, run in process (no terminal, no process exit). */
export async function runCliCaptured(
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    interactive: false,
    onStopSignal: () => () => undefined,
    exit: () => assert.fail('no exit'),
  };
  const code = await runCli(args, io);
  return { code, out, err };
}
