import { parseJsonBody } from '../../classification';
import { clusterPath } from '../url';

/** One index behind a target, with its `index.creation_date` (epoch ms, the cluster's clock). */
export interface IndexCreation {
  readonly name: string;
  readonly createdAt: number;
}

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

/** Reads a 200 answer of `settingsUrl`: every index and its creation date; undefined when unreadable. */
export function readCreationDates(body: string): IndexCreation[] | undefined {
  const answer = parseJsonBody(body);
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return undefined;
  const indices: IndexCreation[] = [];
  for (const [name, entry] of Object.entries(answer as Record<string, IndexSettings>)) {
    const createdAt = creationDate(entry);
    if (createdAt === undefined) return undefined;
    indices.push({ name, createdAt });
  }
  return indices;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The write index of a data stream, from its backing indices' names: `.ds-<stream>-<generation>`
 * (OpenSearch) or `.ds-<stream>-<yyyy.MM.dd>-<generation>` (Elasticsearch 7.11+). A data stream only
 * ever writes to the generation its last rollover made, the highest. Undefined when no index is named
 * so: the target is an alias (or an index), whose write index only `_alias` tells.
 */
export function dataStreamWriteIndex(
  target: string,
  indices: readonly IndexCreation[],
): IndexCreation | undefined {
  const backing = new RegExp(`^\\.ds-${escapeRegExp(target)}-(?:\\d{4}\\.\\d{2}\\.\\d{2}-)?(\\d+)$`);
  let write: IndexCreation | undefined;
  let highest = -1;
  for (const index of indices) {
    const generation = backing.exec(index.name)?.[1];
    if (generation !== undefined && Number(generation) > highest) {
      highest = Number(generation);
      write = index;
    }
  }
  return write;
}
