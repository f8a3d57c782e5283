import { parseJsonBody } from '../../classification';
import { clusterPath } from '../url';
import { dataStreamWriteIndex, type IndexCreation } from './backing-indices';

/**
 * What a target (data stream, index or alias) is made of, as far as `_id` uniqueness goes. `create`
 * only sees the write index; a record may sit in any other index that was written while it existed.
 */
export type TargetIndices =
  /** Not created yet (404), or one index: `create` answers 409 for every id it holds. */
  | { readonly kind: 'one-index'; readonly writeIndex?: string }
  /**
   * Several indices, the write index the newest: the others stopped being written when it was created
   * (a rollover only moves writes forward), so only records older than it can be in them. An alias
   * may have written to an older index after that (its write index moved back and forth): there,
   * `newestElsewhere` is the newest `@timestamp` the other indices hold, and records up to it are
   * looked up too.
   */
  | {
      readonly kind: 'rolled-over';
      readonly writeIndex: string;
      readonly writeIndexCreatedAt: number;
      readonly indices: number;
      readonly newestElsewhere?: number;
    }
  /**
   * Several indices, and the write index unknown or not the newest (an alias whose `is_write_index`
   * was moved back, or that was given a newer index): a newer index may have been written until any
   * moment up to now, so no record's time proves it is only in the write index.
   */
  | { readonly kind: 'every-record'; readonly why: string; readonly indices: number };

/**
 * `GET /_alias/<target>`: which index behind an alias is its write index (`is_write_index`). Needs
 * `view_index_metadata` (OpenSearch: `indices:admin/aliases/get`). Only asked for a target with several
 * indices that are not a data stream's backing indices.
 */
export function aliasUrl(cluster: URL, target: string): URL {
  return clusterPath(cluster, '_alias', target);
}

type AliasAnswer = Record<
  string,
  { readonly aliases?: Record<string, { readonly is_write_index?: unknown }> }
>;

/**
 * The write index from a 200 answer of `aliasUrl`: the one marked `is_write_index: true`, or the only
 * index of an alias that marks none (it is then the write index). Undefined otherwise. For an alias over
 * data streams (Elasticsearch 7.14+) the answer is keyed by data stream, and marks its write data stream
 * the same way: that name is returned, and `aliasWriteIndex` resolves it.
 */
export function readAliasWriteIndex(body: string, target: string): string | undefined {
  const answer = parseJsonBody(body) as AliasAnswer | undefined;
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return undefined;
  const entries = Object.entries(answer).filter(([, entry]) => entry?.aliases?.[target] !== undefined);
  const marked = entries.filter(([, entry]) => entry.aliases?.[target]?.is_write_index === true);
  if (marked.length === 1) return marked[0][0];
  const unmarked = entries.every(([, entry]) => entry.aliases?.[target]?.is_write_index === undefined);
  return marked.length === 0 && unmarked && entries.length === 1 ? entries[0][0] : undefined;
}

/**
 * The index an alias writes to, from the name its `_alias` answer marks: an index behind it, or its
 * write data stream, whose write index is its highest generation among the alias's indices (the
 * settings answer names every backing index of every data stream behind the alias).
 */
export function aliasWriteIndex(
  marked: string | undefined,
  indices: readonly IndexCreation[],
): string | undefined {
  if (marked === undefined || indices.some((index) => index.name === marked)) return marked;
  return dataStreamWriteIndex(marked, indices)?.name;
}

/**
 * Which records of a target need the lookup, from its indices and its write index (undefined: could
 * not be told). The conservative rule: every record, unless its time proves it can only be in the
 * write index.
 */
export function describeTarget(
  target: string,
  indices: readonly IndexCreation[],
  writeIndex: string | undefined,
): TargetIndices {
  if (indices.length === 0) return { kind: 'one-index' };
  if (indices.length === 1) return { kind: 'one-index', writeIndex: indices[0].name };
  const write = indices.find((index) => index.name === writeIndex);
  if (!write) {
    return {
      kind: 'every-record',
      why: `the write index of ${target} could not be told`,
      indices: indices.length,
    };
  }
  const newer = indices.find((index) => index !== write && index.createdAt > write.createdAt);
  if (newer) {
    return {
      kind: 'every-record',
      why: `its write index ${write.name} is not its newest index (${newer.name} is newer)`,
      indices: indices.length,
    };
  }
  return {
    kind: 'rolled-over',
    writeIndex: write.name,
    writeIndexCreatedAt: write.createdAt,
    indices: indices.length,
  };
}
