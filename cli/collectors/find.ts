import type { CollectorConfig } from '../../lambda/core/collectors/config';
import type { CliConfig } from '../shared/config';
import { usageError } from '../shared/errors';

/** The configured collector named on the command line, or a usage error listing them. */
export function findCollector(cli: CliConfig, name: string): CollectorConfig {
  const collector = cli.config.collectors.find((candidate) => candidate.name === name);
  if (collector) return collector;
  const names = cli.config.collectors.map((candidate) => candidate.name);
  throw usageError(
    names.length > 0
      ? `collector '${name}' is not in ${cli.path}. Fix: use one of ${names.join(', ')}`
      : `${cli.path} has no "collectors". Fix: add one (see the README's Collectors section)`,
  );
}
