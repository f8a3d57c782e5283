import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { SluiceError } from '../../lambda/core/errors';

/** A moto server (S3, SQS, Secrets Manager, CloudFormation, CloudWatch) owned by this process. */
export interface LocalMoto {
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** What stopped moto: a Python that is not there, else its last line (ModuleNotFoundError, …). */
function whyNot(
  python: string,
  spawnError: Error | undefined,
  exitCode: number | null,
  stderr: string,
): string {
  if ((spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return `: ${python} is not on PATH (${spawnError?.message}); moto runs on Python 3`;
  }
  const last = stderr.trim().split('\n').at(-1);
  return ` (${spawnError?.message ?? `exit code ${exitCode}`})${last ? `: ${last}` : ''}`;
}

const UNAVAILABLE_FIX =
  "Fix: install it (pip install 'moto[server]', with Python 3), or point AWS_ENDPOINT_URL at an S3/SQS-compatible endpoint that is already running";

/**
 * Starts `python3 -m moto.server` on a free loopback port and waits until it answers. The server is
 * stopped by `stop()` and, as a last resort, killed when this process exits.
 */
export async function startLocalMoto(
  options: { python?: string; timeoutMs?: number } = {},
): Promise<LocalMoto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = options.python ?? 'python3';
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
    // Its own process group: a Ctrl-C at the terminal reaches sluice, which drains the workers and
    // prints its summary while moto still answers, then stops moto itself.
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let spawnError: Error | undefined;
  child.on('error', (error) => (spawnError = error));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const stop = () =>
    new Promise<void>((resolve) => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });

  const giveUpAt = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < giveUpAt) {
    if (spawnError || child.exitCode !== null) {
      await stop();
      throw new SluiceError(
        'MOTO_UNAVAILABLE',
        `cannot start moto${whyNot(python, spawnError, child.exitCode, stderr)}. ${UNAVAILABLE_FIX}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { endpoint, pid: child.pid, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new SluiceError('MOTO_UNAVAILABLE', `moto did not answer on ${endpoint} in time. ${UNAVAILABLE_FIX}`);
}
