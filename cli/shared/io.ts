import { SingleBar } from 'cli-progress';

/** Where a command writes: results to stdout, progress and log lines to stderr. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** True when a person is at the terminal (progress bars, the dev pipeline waits for Ctrl-C). */
  readonly interactive: boolean;
  /** Subscribes to SIGINT/SIGTERM (long-running commands stop gracefully); returns the unsubscribe. */
  onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Ends the process at once (a second Ctrl-C while a long-running command drains). */
  exit(code: number): void;
  /**
   * Asks the person at the terminal a yes/no question; absent when nobody can answer (a script, CI),
   * and a command that changes something only on confirmation then asks for `--yes` instead.
   */
  confirm?(question: string): Promise<boolean>;
}

/** The question on stderr (stdout stays the result), the answer from stdin: only "y" or "yes" agrees. */
async function askYesNo(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^\s*y(es)?\s*$/i.test(await prompt.question(`${question} [y/N] `));
  } finally {
    prompt.close();
  }
}

export function processIo(): CliIo {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY) && process.env.CI !== 'true';
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    interactive,
    ...(interactive ? { confirm: askYesNo } : {}),
    onStopSignal(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    exit: (code) => process.exit(code),
  };
}

export interface Progress {
  /** Moves to `value` of `total` (a total of 0 or undefined means unknown). */
  update(value: number, detail?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, setTotal: () => undefined, stop: () => undefined };

/** Every command's output: one result (JSON with `--json`), progress and notes on stderr. */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** A note for the operator (stderr; JSON lines under `--json`). */
  note(message: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.io.stderr.write(`${JSON.stringify({ level: 'info', message, ...fields })}\n`);
    else this.io.stderr.write(`${message}\n`);
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.io.stderr.write(`${JSON.stringify({ level: 'warn', message, ...fields })}\n`);
    else this.io.stderr.write(`warning: ${message}\n`);
  }

  /** The command's result: `data` as JSON under `--json`, else `render(data)`. */
  result<T>(data: T, render: (data: T) => string): void {
    this.io.stdout.write(this.json ? `${JSON.stringify(data, null, 2)}\n` : `${render(data)}\n`);
  }

  /**
   * A progress bar on a terminal; elsewhere (CI logs, pipes) a line at most every `everyMs`; nothing
   * under `--json`, whose stdout must stay one JSON document.
   */
  progress(label: string, total?: number, everyMs = 5_000): Progress {
    if (this.json) return SILENT;
    if (this.io.stderr.isTTY && this.io.interactive) {
      const bar = new SingleBar({
        stream: this.io.stderr,
        // Without a known total, a count instead of a bar.
        format: total ? `${label} [{bar}] {value}/{total} {detail}` : `${label}: {value} {detail}`,
        hideCursor: true,
        clearOnComplete: false,
      });
      bar.start(total ?? 0, 0, { detail: '' });
      return {
        update: (value, detail = '') => bar.update(value, { detail }),
        setTotal: (next) => bar.setTotal(next),
        stop: () => bar.stop(),
      };
    }
    let last = this.now();
    let knownTotal = total;
    return {
      update: (value, detail = '') => {
        if (this.now() - last < everyMs) return;
        last = this.now();
        const of = knownTotal ? `/${knownTotal}` : '';
        this.io.stderr.write(`${label}: ${value}${of} ${detail}`.trimEnd() + '\n');
      },
      setTotal: (next) => (knownTotal = next),
      stop: () => undefined,
    };
  }
}
