import type { LocalDestinationConfig } from '../config/destinations';
import type { RetryPolicy } from '../retry/backoff';
import { createElasticsearchSink } from './elasticsearch/sink';
import { createFileSink } from './file/sink';
import { createHttpsSink } from './https/sink';
import { createSinkRuntime, type SinkRuntimeOptions } from './runtime';
import { createSentinelSink } from './sentinel/sink';
import { createSplunkHecSink } from './splunk-hec/sink';
import type { RequestSigner, SecretSource, Sink, SinkLog } from './types';

export interface SinkDependencies {
  /** Secret by ARN (the adapter caches it; `refresh()` re-reads after a 401/403). */
  readonly secret: (arn: string) => SecretSource;
  /** SigV4 signer factory, required by `auth.type: sigv4` destinations. */
  readonly signer?: (region: string, service: 'es' | 'aoss') => RequestSigner;
  /** [0, 1) source for backoff jitter. Default: Math.random. */
  readonly random?: () => number;
  /** Default: setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default: Date.now. */
  readonly now?: () => number;
  /** Default: DEFAULT_RETRY_POLICY (250 ms base, 20 s cap, 8 rounds); the deadline usually ends first. */
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** Replaces the HTTP client (unit tests). */
  readonly transport?: SinkRuntimeOptions['transport'];
  /** A sink's own warnings (Elasticsearch: a rollover lookup the cluster refuses). Default: stderr. */
  readonly log?: SinkLog;
}

/**
 * Builds the sink of one configured destination (a deployed forwarder's, or the CLI's, which may also
 * use `file`). Throws SluiceError only for unusable configuration.
 */
export function createSink(config: LocalDestinationConfig, deps: SinkDependencies): Sink {
  const runtime = createSinkRuntime(deps);
  switch (config.type) {
    case 'splunk-hec':
      return createSplunkHecSink(config, deps.secret(config.tokenSecretArn), runtime);
    case 'elasticsearch':
      return createElasticsearchSink(config, deps, runtime);
    case 'https':
      return createHttpsSink(
        config,
        config.tokenSecretArn ? deps.secret(config.tokenSecretArn) : undefined,
        runtime,
      );
    case 'sentinel':
      return createSentinelSink(config, deps.secret(config.clientSecretArn), runtime);
    case 'file':
      return createFileSink(config);
  }
}
