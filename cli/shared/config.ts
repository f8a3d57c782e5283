import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileDestination, type LocalDestinationConfig } from '../../lambda/core/config/destinations';
import { configErrorMap } from '../../lambda/core/config/error-map';
import { formatIssues, jsonSyntaxProblem, parseConfig } from '../../lambda/core/config/load';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import { SluiceError } from '../../lambda/core/errors';

export const DEFAULT_CONFIG_PATH = 'sluice.config.json';
export const DEFAULT_STACK_NAME = 'Sluice';

/** A configuration as the CLI reads it: the stack's, plus the local-only `file` destinations. */
export interface CliConfig {
  readonly path: string;
  readonly config: SluiceConfig;
  /** Every destination in file order, `file` ones included. */
  readonly destinations: readonly LocalDestinationConfig[];
}

function isFileDestination(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'file';
}

/**
 * Reads and validates a configuration file, accepting `file` destinations (which `cdk synth` refuses):
 * they are validated on their own and the rest goes through the stack's own validation.
 */
export function parseCliConfig(raw: unknown, origin: string, path: string): CliConfig {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const listed = Array.isArray(record.destinations) ? (record.destinations as unknown[]) : undefined;
  const problems: string[] = [];
  const files = new Map<number, LocalDestinationConfig>();
  listed?.forEach((entry, index) => {
    if (!isFileDestination(entry)) return;
    const parsed = fileDestination.safeParse(entry, { error: configErrorMap });
    if (parsed.success) files.set(index, parsed.data);
    else problems.push(...formatIssues(parsed.error.issues).map((line) => `destinations[${index}].${line}`));
  });
  const remote = listed?.filter((entry) => !isFileDestination(entry));
  let config: SluiceConfig | undefined;
  try {
    config = parseConfig(listed ? { ...record, destinations: remote } : raw, origin);
  } catch (error) {
    if (!(error instanceof SluiceError) || error.code !== 'CONFIG_INVALID') throw error;
    // Indexes in the stack's messages count only the non-file destinations: name them by position in the file.
    const positions = listed
      ? listed.flatMap((entry, index) => (isFileDestination(entry) ? [] : [index]))
      : [];
    const lines = ((error.context.problems as string[] | undefined) ?? [error.message]).map((line) =>
      line.replace(
        /^destinations\[(\d+)\]/,
        (_, index: string) => `destinations[${positions[Number(index)] ?? index}]`,
      ),
    );
    problems.push(...lines);
  }
  if (config) {
    const names = new Set(config.destinations.map((destination) => destination.name));
    for (const [index, destination] of files) {
      if (names.has(destination.name)) {
        problems.push(
          `destinations[${index}].name: '${destination.name}' is used twice. Fix: give every destination its own name`,
        );
      }
      names.add(destination.name);
    }
  }
  if (problems.length > 0 || !config) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `sluice ${origin} is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      { origin, problems },
    );
  }
  let remoteIndex = 0;
  const destinations = listed
    ? listed.map((_, index) => files.get(index) ?? config.destinations[remoteIndex++])
    : config.destinations;
  return { path, config, destinations };
}

export function loadCliConfig(path: string, cwd: string): CliConfig {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new SluiceError(
      'CONFIG_NOT_FOUND',
      `sluice configuration file '${path}' cannot be read (${(error as Error).message}). Fix: pass --config <path> (examples/local.json for the local pipeline)`,
      { path },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `sluice configuration file '${path}' is not valid JSON: ${jsonSyntaxProblem(text, error)}`,
      {
        path,
      },
    );
  }
  const cli = parseCliConfig(raw, `configuration file '${path}'`, absolute);
  // File destinations write relative to the working directory the command was started in.
  return {
    ...cli,
    destinations: cli.destinations.map((destination) =>
      destination.type === 'file' ? { ...destination, path: resolve(cwd, destination.path) } : destination,
    ),
  };
}

/** The configuration when the file exists (commands that can work without one, like `status`). */
export function loadOptionalCliConfig(path: string | undefined, cwd: string): CliConfig | undefined {
  if (path !== undefined) return loadCliConfig(path, cwd);
  return existsSync(resolve(cwd, DEFAULT_CONFIG_PATH)) ? loadCliConfig(DEFAULT_CONFIG_PATH, cwd) : undefined;
}
