import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { SluiceError } from '../errors';
import { configErrorMap } from './error-map';
import { sluiceConfig, type SluiceConfig } from './schema';

function describePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

/**
 * One line per problem, each naming the field, what is wrong and the fix. An unknown field is named
 * itself, not its parent (zod's path).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path =
      issue.code === 'unrecognized_keys' && issue.keys.length === 1
        ? [...issue.path, issue.keys[0]]
        : issue.path;
    return `${describePath(path) || '(root)'}: ${issue.message}`;
  });
}

/**
 * JSON.parse's complaint about `text`, with the line and column it is at (Node 20 says only "at
 * position 376") and the usual causes, e.g. `Expected double-quoted property name in JSON at
 * position 376 (line 8, column 1). Fix: correct the JSON there (no trailing commas, no comments)`.
 */
export function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  if (position === null) return `${message}. Fix: correct the JSON (no trailing commas, no comments)`;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  // Node 22 and later add " (line 8 column 1)" themselves: said once, the same way on every Node.
  const where = `${message.replace(/ \(line \d+ column \d+\)/, '')} (line ${line}, column ${column})`;
  return `${where}. Fix: correct the JSON at line ${line}, column ${column} (no trailing commas, no comments)`;
}

/** Configurations `parseConfig` returned: validated already (validating one again would refuse its derived fields). */
const validated = new WeakSet<SluiceConfig>();

/** Validates a parsed configuration; throws `CONFIG_INVALID` listing every problem at once. */
export function parseConfig(raw: unknown, origin = 'configuration'): SluiceConfig {
  // A configuration is parsed once per process: zod's compiled fast path (a `new Function` per object
  // schema) costs more to build than it saves on one parse (about 3 ms of the CLI's start-up).
  const result = sluiceConfig.safeParse(raw, { jitless: true, error: configErrorMap });
  if (result.success) {
    validated.add(result.data);
    return result.data;
  }
  const problems = formatIssues(result.error.issues);
  throw new SluiceError(
    'CONFIG_INVALID',
    `sluice ${origin} is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    { origin, problems },
  );
}

/**
 * The configuration as sluice uses it: `config` itself when `parseConfig` (or `loadConfigFile`) returned
 * it, else `config` validated as written in sluice.config.json.
 */
export function validatedConfig(config: unknown, origin: string): SluiceConfig {
  return validated.has(config as SluiceConfig) ? (config as SluiceConfig) : parseConfig(config, origin);
}

/** The folder of the file each configuration `loadConfigFile` returned was read from. */
const folders = new WeakMap<SluiceConfig, string>();

/**
 * The folder of the configuration file `config` was read from (what `detections.rules` is relative
 * to), when `loadConfigFile` returned it; undefined for a configuration given as an object.
 */
export function configFolderOf(config: SluiceConfig): string | undefined {
  return folders.get(config);
}

export function loadConfigFile(path: string): SluiceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SluiceError(
      'CONFIG_NOT_FOUND',
      `sluice configuration file '${path}' cannot be read (${(error as Error).message}). Fix: copy examples/strongdm-splunk.json to ${path}, or pass -c sluice:config=<path>`,
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
      { path },
    );
  }
  const config = parseConfig(raw, `configuration file '${path}'`);
  folders.set(config, dirname(resolve(path)));
  return config;
}
