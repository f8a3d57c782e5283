import { parseJsonBody } from '../../classification';
import { clusterPath } from '../url';

/** `index.max_result_window`'s default: a search returns at most this many hits. */
export const MAX_IDS_PER_SEARCH = 10_000;

/**
 * `POST /<target>/_search` over every backing index. A target deleted meanwhile holds nothing
 * (`ignore_unavailable`, `allow_no_indices`), and a shard that cannot answer fails the search rather
 * than leaving its ids out (`allow_partial_search_results=false`): "not found" must mean not there.
 */
export function searchUrl(cluster: URL, target: string): URL {
  const url = clusterPath(cluster, target, '_search');
  url.searchParams.set('ignore_unavailable', 'true');
  url.searchParams.set('allow_no_indices', 'true');
  url.searchParams.set('allow_partial_search_results', 'false');
  url.searchParams.set('filter_path', 'hits.hits._id,hits.hits._index,_shards.failed,timed_out');
  return url;
}

/** An `ids` query that returns the ids it finds and nothing of the documents. */
export function searchBody(ids: readonly string[]): string {
  return JSON.stringify({
    query: { ids: { values: ids } },
    _source: false,
    size: ids.length,
    track_total_hits: false,
  });
}

interface SearchAnswer {
  readonly timed_out?: boolean;
  readonly _shards?: { readonly failed?: number };
  readonly hits?: { readonly hits?: ReadonlyArray<{ readonly _id?: unknown; readonly _index?: unknown }> };
}

export type SearchResult =
  /**
   * `hits`: how many the answer held. An id indexed in several backing indices (a duplicate made
   * before the lookup existed) is one hit per copy, so an answer of `size` hits may leave ids out.
   * `copies`: each hit's id and index.
   */
  | {
      readonly kind: 'found';
      readonly ids: ReadonlySet<string>;
      readonly hits: number;
      readonly copies: ReadonlyArray<{ readonly id: string; readonly index?: string }>;
    }
  /** Some shard did not answer, or the search timed out: not finding an id proves nothing. */
  | { readonly kind: 'incomplete'; readonly reason: string }
  | { readonly kind: 'unreadable' };

/** Reads a 200 answer of `searchUrl`. */
export function readSearchAnswer(body: string): SearchResult {
  const answer = parseJsonBody(body) as SearchAnswer | undefined;
  if (!answer || typeof answer !== 'object' || typeof answer._shards !== 'object')
    return { kind: 'unreadable' };
  const failedShards = answer._shards.failed ?? 0;
  if (failedShards > 0) return { kind: 'incomplete', reason: `search failed on ${failedShards} shard(s)` };
  if (answer.timed_out === true) return { kind: 'incomplete', reason: 'search timed out' };
  const ids = new Set<string>();
  const copies: Array<{ id: string; index?: string }> = [];
  const hits = answer.hits?.hits ?? [];
  for (const hit of hits) {
    if (typeof hit._id !== 'string') continue;
    ids.add(hit._id);
    copies.push(typeof hit._index === 'string' ? { id: hit._id, index: hit._index } : { id: hit._id });
  }
  return { kind: 'found', ids, hits: hits.length, copies };
}
