import { collectorConfig } from '../../lambda/core/collectors/config';
import { collectorIdField } from '../../lambda/core/collectors/record-fields';
import type { SluiceConfig } from '../../lambda/core/config/schema';
import { sourceConfig } from '../../lambda/core/config/sources';
import { prefixesOverlap } from '../../lambda/core/layout/key-layout';
import type { DemoCirrusEvent } from './demo-cirrus-api';

export const DEMO_COLLECTOR = 'cirrus-demo';
/** Never a real secret: the local pipeline hands the demo API's credentials to the collector itself. */
export const DEMO_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sluice-dev-cirrus-demo';
const DEMO_PREFIX = 'cirrus/demo';

type Random = () => number;

/**
 * The configuration with a `cirrus-siem` collector against the local demo API, as a user writes one
 * in sluice.config.json (its source, its collector), validated by the same schemas; undefined when the
 * configuration has a source or collector of that name or prefix already.
 */
export function withDemoCollector(
  config: SluiceConfig,
  apiUrl: string,
): { config: SluiceConfig; written: Record<string, unknown> } | undefined {
  const clash =
    config.collectors.some((collector) => collector.name === DEMO_COLLECTOR) ||
    config.sources.some(
      (source) => source.name === DEMO_COLLECTOR || prefixesOverlap(source.prefix, DEMO_PREFIX),
    ) ||
    prefixesOverlap(config.quarantinePrefix, DEMO_PREFIX);
  if (clash) return undefined;
  const written = {
    sources: [{ name: DEMO_COLLECTOR, prefix: DEMO_PREFIX }],
    collectors: [
      {
        type: 'cirrus-siem',
        name: DEMO_COLLECTOR,
        source: DEMO_COLLECTOR,
        logType: 'siem',
        apiUrl,
        credentialsSecretArn: DEMO_SECRET_ARN,
        everyMinutes: 1,
        limit: 5,
      },
    ],
  };
  const collector = collectorConfig.parse(written.collectors[0]);
  const source = sourceConfig.parse(written.sources[0]);
  return {
    config: {
      ...config,
      sources: [
        ...config.sources,
        { ...source, idFieldByLogType: { [collector.logType]: collectorIdField(collector) } },
      ],
      collectors: [...config.collectors, collector],
    },
    written,
  };
}

const USERS = ['alice@example.edu', 'bob@example.edu', 'carol@example.edu'];
const SERVICES = ['idp', 'proxy'];

/** Sign-in events as Cirrus logs them, `count` of them spread over the hour before `now`, oldest first. */
export function demoCirrusEvents(count: number, now: Date, random: Random): DemoCirrusEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const at = new Date(now.getTime() - 3_600_000 + Math.floor(((index + random()) * 3_600_000) / count));
    return demoCirrusEvent(at, random);
  });
}

export function demoCirrusEvent(at: Date, random: Random): DemoCirrusEvent {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  return {
    timestamp: at.toISOString(),
    tenant: 'example.edu',
    service: pick(SERVICES),
    metrictype: 'authn',
    metricsubtype: random() < 0.9 ? 'success' : 'failure',
    clientip: `192.0.2.${1 + Math.floor(random() * 254)}`,
    correlationid: Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join(''),
    user: pick(USERS),
  };
}
