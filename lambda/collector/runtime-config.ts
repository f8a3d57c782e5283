import * as z from 'zod';
import { bundledConfigText } from '../adapters/bundled-config-text';
import { collectorConfig, type CollectorConfig } from '../core/collectors/config';
import { formatIssues } from '../core/config/load';
import type { SluiceConfig } from '../core/config/schema';
import { SluiceError } from '../core/errors';

/** What one collector's function needs at run time: settings and secret ARNs, never a secret value. */
export interface CollectorRuntimeConfig {
  readonly collector: CollectorConfig;
  /** The prefix of the collector's source: objects go to `<prefix>/<logType>/YYYY/MM/DD/HH/MM/…`. */
  readonly prefix: string;
}

export const COLLECTOR_CONFIG_ENV = 'SLUICE_COLLECTOR_CONFIG';
/**
 * Where the configuration is when it does not fit in the environment (Lambda allows 4 KB of
 * variables in all: a long query or many headers): a file beside the handler, written at synth.
 */
export const COLLECTOR_CONFIG_FILE = 'collector-config.json';
/** Another path for that file (tests, a collector run outside its bundle). Default: beside the handler. */
export const COLLECTOR_CONFIG_FILE_ENV = 'SLUICE_COLLECTOR_CONFIG_FILE';

/** The runtime configuration of the collector named `name` (validated configuration in). */
export function collectorRuntimeConfigOf(config: SluiceConfig, name: string): CollectorRuntimeConfig {
  const collector = config.collectors.find((candidate) => candidate.name === name);
  if (!collector) {
    throw new SluiceError(
      'COLLECTOR_NOT_FOUND',
      `collector '${name}' is not in the configuration. Fix: use one of ${config.collectors.map((c) => c.name).join(', ') || '(none configured: add "collectors")'}`,
      { collector: name },
    );
  }
  // The configuration's validation made sure the source exists.
  const source = config.sources.find((candidate) => candidate.name === collector.source)!;
  return { collector, prefix: source.prefix };
}

const runtimeSchema = z.strictObject({ collector: collectorConfig, prefix: z.string().min(1) });

/**
 * Reads and validates the configuration the stack's `Collector` construct gave the function:
 * `SLUICE_COLLECTOR_CONFIG`, else the bundled `collector-config.json`.
 */
export function readCollectorRuntimeConfig(env: NodeJS.ProcessEnv): CollectorRuntimeConfig {
  const { text, origin } = bundledConfigText(env, {
    variable: COLLECTOR_CONFIG_ENV,
    file: COLLECTOR_CONFIG_FILE,
    fileVariable: COLLECTOR_CONFIG_FILE_ENV,
    handlerDir: __dirname,
    role: 'collector',
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SluiceError(
      'RUNTIME_CONFIG_INVALID',
      `${origin} is not JSON (${(error as Error).message}); deploy the collector with the sluice stack`,
    );
  }
  const parsed = runtimeSchema.safeParse(value);
  if (!parsed.success) {
    throw new SluiceError(
      'RUNTIME_CONFIG_INVALID',
      `${origin} is not a collector's configuration: ${formatIssues(parsed.error.issues).join('; ')}`,
    );
  }
  return parsed.data;
}
