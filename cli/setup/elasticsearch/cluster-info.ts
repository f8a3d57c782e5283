import { SluiceError } from '../../../lambda/core/errors';
import type { ClusterInfo } from './api';
import { SetupCodes } from './errors';

/**
 * Oldest versions set up: Elasticsearch 7.13 has data streams (7.9), `flattened` in the basic licence (7.3)
 * and ILM's `max_primary_shard_size` (7.13); every OpenSearch has data streams, ISM and composable templates.
 */
const MINIMUM = { elasticsearch: [7, 13], opensearch: [1, 0] } as const;

/**
 * Reads `GET /`: OpenSearch says `version.distribution: "opensearch"`; Elasticsearch has no distribution
 * (and `build_flavor: "default"`).
 */
export function clusterInfoOf(answer: unknown): ClusterInfo {
  const version = (answer as { version?: { number?: unknown; distribution?: unknown } } | null)?.version;
  const number = typeof version?.number === 'string' ? version.number : undefined;
  const match = number ? /^(\d+)\.(\d+)/.exec(number) : null;
  if (!number || !match) {
    throw new SluiceError(
      SetupCodes.UNSUPPORTED,
      `GET / did not answer like Elasticsearch or OpenSearch (no version.number). Fix: point the destination's url at the cluster itself, not at Kibana / Dashboards or a proxy path`,
    );
  }
  const flavor = version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const [minMajor, minMinor] = MINIMUM[flavor];
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    const name = flavor === 'opensearch' ? 'OpenSearch' : 'Elasticsearch';
    throw new SluiceError(
      SetupCodes.UNSUPPORTED,
      `${name} ${number} is older than ${minMajor}.${minMinor}, the oldest version sluice sets up (data streams, composable index templates, lifecycle policies). Fix: upgrade the cluster, or create the index templates and lifecycle policy by hand (see docs/elasticsearch-setup.md)`,
      { flavor, version: number },
    );
  }
  return { flavor, version: number, major, minor };
}

/** The field type for an object with arbitrary keys (`resourceTags`), or undefined for a plain object. */
export function flatObjectType(cluster: ClusterInfo): 'flattened' | 'flat_object' | undefined {
  if (cluster.flavor === 'elasticsearch') return 'flattened';
  return cluster.major > 2 || (cluster.major === 2 && cluster.minor >= 7) ? 'flat_object' : undefined;
}

/** `PUT /_security/api_key/<id>` (update an API key's role descriptors) exists from Elasticsearch 8.4. */
export function canUpdateApiKeys(cluster: ClusterInfo): boolean {
  return (
    cluster.flavor === 'elasticsearch' && (cluster.major > 8 || (cluster.major === 8 && cluster.minor >= 4))
  );
}

export function displayName(cluster: ClusterInfo): string {
  return `${cluster.flavor === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ${cluster.version}`;
}
