import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './bundle';

/** What one process cost, measured from outside by bench/lib/rusage.py. */
export interface ProcessCost {
  readonly wallMs: number;
  /** User + system CPU of the process and all its threads (JIT, GC, libuv's pool). */
  readonly cpuMs: number;
  readonly userMs: number;
  readonly systemMs: number;
  readonly maxRssKiB: number;
  readonly exitCode: number;
  /** process.hrtime's clock at the fork. */
  readonly startedAtNs: bigint;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` to its end under rusage.py; rejects on a non-zero exit or after `timeoutMs`. */
export async function timedRun(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessCost> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-rusage-'));
  const out = join(dir, 'cost.json');
  try {
    const wrapper = spawn('python3', [join(BENCH_DIR, 'lib', 'rusage.py'), out, command, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    wrapper.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    wrapper.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    const timeoutMs = options.timeoutMs ?? 300_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        process.kill(-wrapper.pid!, 'SIGKILL');
        reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      wrapper.on('error', reject);
      wrapper.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`rusage.py exited ${code}: ${stderr}`));
      });
    });
    const measured = JSON.parse(readFileSync(out, 'utf8')) as Omit<ProcessCost, 'startedAtNs' | 'cpuMs'> & {
      startedAtNs: string;
    };
    if (measured.exitCode !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited ${measured.exitCode}:\n${stderr}\n${stdout}`);
    }
    return {
      ...measured,
      cpuMs: measured.userMs + measured.systemMs,
      startedAtNs: BigInt(measured.startedAtNs),
      stdout,
      stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
