import type { DestinationConfig } from '../config/destinations';
import { HttpClient, type HttpTransport } from '../http/client';
import { createLimiter } from '../http/limiter';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry/backoff';
import type { DeliveryLoopOptions } from './delivery-loop';
import type { SinkLog } from './types';

type CommonSettings = Pick<DestinationConfig, 'name' | 'gzip' | 'maxConcurrency' | 'requestTimeoutSeconds'>;

/** Injectable pieces shared by every sink: tests make time and randomness deterministic with these. */
export interface SinkRuntimeOptions {
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** Replaces the HTTP client (unit tests); default: a keep-alive HttpClient per destination. */
  readonly transport?: (config: CommonSettings) => HttpTransport;
  /** Where a sink's own warnings go. Default: one JSON line on stderr. */
  readonly log?: SinkLog;
}

export interface SinkRuntime {
  readonly log: SinkLog;
  transport(config: CommonSettings): HttpTransport;
  loopOptions(
    config: CommonSettings,
  ): Omit<DeliveryLoopOptions, 'name' | 'protocol' | 'transport' | 'authorizer'>;
}

export function createSinkRuntime(options: SinkRuntimeOptions = {}): SinkRuntime {
  const retryPolicy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  return {
    log: options.log ?? stderrLog,
    transport: (config) =>
      options.transport?.(config) ?? new HttpClient({ maxSockets: config.maxConcurrency }),
    loopOptions: (config) => ({
      // One limiter per sink: it bounds the parallel requests of every concurrent deliver() call.
      limiter: createLimiter(config.maxConcurrency),
      gzip: config.gzip,
      requestTimeoutMs: config.requestTimeoutSeconds * 1000,
      retryPolicy,
      random: options.random,
      sleep: options.sleep,
      now: options.now,
    }),
  };
}

const stderrLog: SinkLog = {
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'WARN', message, ...fields })}\n`);
  },
};
