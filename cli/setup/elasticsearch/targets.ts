import type { ElasticsearchDestinationConfig } from '../../../lambda/core/config/destinations';
import type { VendorPresetName } from '../../../lambda/core/config/presets';
import type { SourceConfig } from '../../../lambda/core/config/sources';
import { usageError } from '../../shared/errors';
import { knownLogTypes } from './field-mappings';

/** One data stream sluice writes to, and the log types of the source whose records go there. */
export interface DataStreamTarget {
  readonly name: string;
  readonly source: string;
  readonly preset?: VendorPresetName;
  readonly logTypes: readonly string[];
}

export interface TargetOptions {
  /** Only this source. Default: every source. */
  readonly source?: string;
  /** These log types. Default: the destination's `logTypes`, else each source's known ones. */
  readonly logTypes?: readonly string[];
}

/**
 * The data stream a record of (source, logType) is written to: the destination's index template,
 * rendered and lower-cased exactly as the `_bulk` encoder does (lambda/core/sinks/elasticsearch/encoder.ts).
 */
export function dataStreamName(
  destination: Pick<ElasticsearchDestinationConfig, 'index' | 'indexByLogType'>,
  source: string,
  logType: string,
): string {
  const template = destination.indexByLogType[logType] ?? destination.index;
  return template.replaceAll('{source}', source).replaceAll('{logType}', logType).toLowerCase();
}

const FORBIDDEN = /[\\/*?"<>|,#: ]/;

/** Why Elasticsearch would refuse this data stream name, or undefined. */
export function invalidDataStreamName(name: string): string | undefined {
  if (name === '.' || name === '..') return 'cannot be "." or ".."';
  if (FORBIDDEN.test(name)) return 'cannot contain \\ / * ? " < > | , # : or a space';
  if (/^[-_+]/.test(name) || name.startsWith('.ds-')) return 'cannot start with -, _, + or .ds-';
  if (Buffer.byteLength(name) > 255) return 'cannot be longer than 255 bytes';
  return undefined;
}

function logTypesOf(
  source: SourceConfig,
  destination: ElasticsearchDestinationConfig,
  asked: readonly string[] | undefined,
): readonly string[] {
  if (asked && asked.length > 0) return asked;
  if (destination.logTypes) return destination.logTypes;
  // A layout without {logType} (Cloudflare Logpush: one dataset per job) has exactly one.
  if (source.logType) return [source.logType];
  const preset = source.preset as VendorPresetName | undefined;
  return [...new Set([...knownLogTypes(preset), ...Object.keys(source.idFieldByLogType)])].sort();
}

/**
 * Every data stream the destination receives from the chosen sources, each with the log types that land
 * in it (several when the index template has no `{logType}`).
 */
export function dataStreamTargets(
  destination: ElasticsearchDestinationConfig,
  sources: readonly SourceConfig[],
  options: TargetOptions = {},
): DataStreamTarget[] {
  const chosen = options.source ? sources.filter((source) => source.name === options.source) : sources;
  if (options.source && chosen.length === 0) {
    throw usageError(
      `source '${options.source}' is not in the configuration. Fix: use one of ${sources.map((source) => source.name).join(', ') || '(none configured)'}`,
    );
  }
  if (chosen.length === 0) {
    throw usageError(
      'the configuration has no sources. Fix: add the source whose logs go to this destination',
    );
  }
  const targets = new Map<string, { source: string; preset?: VendorPresetName; logTypes: string[] }>();
  for (const source of chosen) {
    const logTypes = logTypesOf(source, destination, options.logTypes);
    if (logTypes.length === 0) {
      throw usageError(
        `source '${source.name}' names no log types sluice knows (no preset, no idFields). Fix: name them with --log-types <a,b>, or set up one source with --source <name>`,
      );
    }
    for (const logType of logTypes) {
      const name = dataStreamName(destination, source.name, logType);
      const invalid = invalidDataStreamName(name);
      if (invalid) {
        throw usageError(
          `the data stream '${name}' (destination '${destination.name}', source '${source.name}', log type '${logType}') ${invalid}. Fix: change the destination's index / indexByLogType`,
        );
      }
      const existing = targets.get(name);
      if (existing && existing.source !== source.name) {
        throw usageError(
          `sources '${existing.source}' and '${source.name}' both write to the data stream '${name}'. Fix: put {source} in the destination's index template`,
        );
      }
      if (existing) existing.logTypes.push(logType);
      else
        targets.set(name, {
          source: source.name,
          preset: source.preset as VendorPresetName | undefined,
          logTypes: [logType],
        });
    }
  }
  return [...targets.entries()]
    .map(([name, target]) => ({ name, ...target }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
