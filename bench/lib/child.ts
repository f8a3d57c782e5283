import { fork, type ChildProcess } from 'node:child_process';

/**
 * Benchmarks run in child processes: each measurement gets a fresh heap (no JIT or GC state carried
 * over from the previous one), its own RSS, and the receivers get a core of their own.
 */

/** Quiet Powertools: a log line per object would measure the logger. */
export const CHILD_ENV = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

interface ResultMessage {
  readonly kind: 'result' | 'error';
  readonly value?: unknown;
  readonly error?: string;
}

/** `script` is a bundle (see bundle.ts); it runs on plain Node, as in Lambda. */
function spawnChild(script: string, execArgv: readonly string[]): ChildProcess {
  return fork(script, [], {
    execArgv: ['--enable-source-maps', '--expose-gc', ...execArgv],
    env: { ...process.env, ...CHILD_ENV },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs `script` with `input` and resolves with what it reports (see `serveOnce`). */
export function runChild<T>(
  script: string,
  input: unknown,
  options: { execArgv?: readonly string[]; timeoutMs?: number } = {},
): Promise<T> {
  const child = spawnChild(script, options.execArgv ?? []);
  return new Promise<T>((resolve, reject) => {
    let outcome: ResultMessage | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 600_000);
    child.on('message', (message: ResultMessage) => {
      outcome = message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome?.kind === 'result') resolve(outcome.value as T);
      else reject(new Error(`${script} failed (${outcome?.error ?? `exit ${code ?? signal}`})`));
    });
    child.send({ input });
  });
}

/** A child never outlives the bench (Ctrl-C, a crash): its IPC channel closes with the parent. */
function exitWithParent(): void {
  process.once('disconnect', () => process.exit(1));
}

/** Child side of runChild: reads the input, runs `work`, reports its result and exits. */
export function serveOnce<I, O>(work: (input: I) => Promise<O>): void {
  exitWithParent();
  process.once('message', (message: { input: I }) => {
    work(message.input).then(
      (value) => process.send!({ kind: 'result', value }, () => process.exit(0)),
      (error: unknown) => {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.send!({ kind: 'error', error: text }, () => process.exit(1));
      },
    );
  });
}

/** A long-lived child answering requests by id (the receivers). */
export interface Service {
  request<T>(command: string, argument?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startService(script: string): Promise<{ service: Service; ready: unknown }> {
  const child = spawnChild(script, []);
  let nextId = 0;
  const pending = new Map<number, (value: unknown) => void>();
  const ready = await new Promise<unknown>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
    child.on('message', (message: { id?: number; ready?: unknown; value?: unknown }) => {
      if (message.ready !== undefined) resolve(message.ready);
      else if (message.id !== undefined) {
        pending.get(message.id)?.(message.value);
        pending.delete(message.id);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    ready,
    service: {
      request: <T>(command: string, argument?: unknown) =>
        new Promise<T>((resolve) => {
          nextId += 1;
          pending.set(nextId, resolve as (value: unknown) => void);
          child.send({ id: nextId, command, argument });
        }),
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    },
  };
}

/** Child side of startService. */
export function serve(ready: unknown, commands: Record<string, (argument: unknown) => unknown>): void {
  exitWithParent();
  process.on('message', (message: { id: number; command: string; argument?: unknown }) => {
    Promise.resolve(commands[message.command]?.(message.argument)).then((value) =>
      process.send!({ id: message.id, value }),
    );
  });
  process.send!({ ready });
}
