import { parseJsonBody } from '../../classification';
import { clusterPath } from '../url';

/**
 * What a target (data stream, index or alias) is made of, as far as `_id` uniqueness goes:
 * - `one-index`: it does not exist yet, or it is one index: `create` answers 409 for every id it holds;
 * - `rolled-over`: several backing indices; `create` only sees the write index (the newest), created at
 *   `writeIndexCreatedAt` (epoch ms, the cluster's clock).
 */
export type TargetIndices =
  | { readonly kind: 'one-index' }
  | { readonly kind: 'rolled-over'; readonly writeIndexCreatedAt: number; readonly indices: number };

/**
 * `GET /<target>/_settings/index.creation_date`: on a data stream it answers for every backing index,
 * on an alias for every index behind it. One request, on Elasticsearch and OpenSearch alike, with the
 * `view_index_metadata` privilege (OpenSearch: `indices:monitor/settings/get`); `GET /_data_stream`
 * would need the same privilege and a second request for the dates.
 */
export function settingsUrl(cluster: URL, target: string): URL {
  const url = clusterPath(cluster, target, '_settings', 'index.creation_date');
  url.searchParams.set('flat_settings', 'true');
  return url;
}

type IndexSettings = { readonly settings?: Record<string, unknown> };

function creationDate(entry: IndexSettings | undefined): number | undefined {
  const settings = entry?.settings;
  if (!settings || typeof settings !== 'object') return undefined;
  // flat_settings is honoured by both products; the nested shape is read too, for proxies that drop it.
  const nested = (settings.index as Record<string, unknown> | undefined)?.creation_date;
  const value = settings['index.creation_date'] ?? nested;
  const millis = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof millis === 'number' && Number.isSafeInteger(millis) && millis > 0 ? millis : undefined;
}

/** Reads a 200 answer of `settingsUrl`; undefined when it cannot be read. */
export function readBackingIndices(body: string): TargetIndices | undefined {
  const answer = parseJsonBody(body);
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return undefined;
  const dates: number[] = [];
  for (const entry of Object.values(answer as Record<string, IndexSettings>)) {
    const date = creationDate(entry);
    if (date === undefined) return undefined;
    dates.push(date);
  }
  if (dates.length <= 1) return { kind: 'one-index' };
  // A data stream writes to its newest backing index; so does an alias that rolls over.
  return { kind: 'rolled-over', writeIndexCreatedAt: Math.max(...dates), indices: dates.length };
}
