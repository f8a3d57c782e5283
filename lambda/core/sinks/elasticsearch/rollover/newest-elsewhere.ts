import { parseJsonBody } from '../../classification';
import { clusterPath } from '../url';

/**
 * `POST /<alias>/_search`: the newest `@timestamp` held by the alias's indices other than its write
 * index. A data stream only ever moves its writes forward, so an older backing index stopped being
 * written when a newer one was made; an alias's `is_write_index` (or write data stream) can be moved to
 * any index at any time, and nothing in the cluster says when. A record newer than everything the other
 * indices hold cannot be in them, whatever the alias's history: that bound replaces the creation date.
 * Same privilege as the ids search (`read`), same request options (a shard that cannot answer fails it).
 */
export function newestElsewhereUrl(cluster: URL, target: string): URL {
  const url = clusterPath(cluster, target, '_search');
  url.searchParams.set('ignore_unavailable', 'true');
  url.searchParams.set('allow_no_indices', 'true');
  url.searchParams.set('allow_partial_search_results', 'false');
  url.searchParams.set('filter_path', 'aggregations.newest.value,_shards.failed,timed_out');
  return url;
}

/** No hits, only the `max` of `@timestamp` over every index but `writeIndex` (`_index` is queryable). */
export function newestElsewhereBody(writeIndex: string): string {
  return JSON.stringify({
    size: 0,
    track_total_hits: false,
    query: { bool: { must_not: [{ term: { _index: writeIndex } }] } },
    aggs: { newest: { max: { field: '@timestamp' } } },
  });
}

export type NewestElsewhere =
  /** `at`: epoch ms of the newest document elsewhere; undefined when the other indices hold none. */
  | { readonly kind: 'newest'; readonly at?: number }
  | { readonly kind: 'incomplete'; readonly reason: string }
  | { readonly kind: 'unreadable' };

interface Answer {
  readonly timed_out?: boolean;
  readonly _shards?: { readonly failed?: number };
  readonly aggregations?: { readonly newest?: { readonly value?: unknown } };
}

/** Reads a 200 answer of `newestElsewhereUrl`. */
export function readNewestElsewhere(body: string): NewestElsewhere {
  const answer = parseJsonBody(body) as Answer | undefined;
  if (!answer || typeof answer !== 'object' || typeof answer._shards !== 'object')
    return { kind: 'unreadable' };
  const failedShards = answer._shards.failed ?? 0;
  if (failedShards > 0) return { kind: 'incomplete', reason: `search failed on ${failedShards} shard(s)` };
  if (answer.timed_out === true) return { kind: 'incomplete', reason: 'search timed out' };
  // A null max (no document elsewhere) may come back as null or, filtered, not at all.
  const value = answer.aggregations?.newest?.value;
  if (value === undefined || value === null) return { kind: 'newest' };
  return typeof value === 'number' && Number.isFinite(value)
    ? { kind: 'newest', at: Math.ceil(value) }
    : { kind: 'unreadable' };
}
