import type { OutboundRecord } from '../../../records/types';
import { SinkCodes } from '../../codes';
import type { DeliveryContext } from '../../types';
import { MAX_IDS_PER_SEARCH, readSearchAnswer, searchBody, searchUrl } from './id-search';
import type { LookupRequests } from './lookup-requests';
import type { Fetched, TargetStates } from './target-state';

/** Each id found, with the indices it was found in (empty when the cluster did not name them). */
export type Found = { readonly found: ReadonlyMap<string, ReadonlySet<string>> };

/**
 * Searches a target's indices for the ids of `records`: the ids found, or why the search could not
 * say (a failing cluster: `failure`; a cluster that refuses it: `state`, unchecked).
 */
export function createIdSearch(options: {
  readonly name: string;
  readonly cluster: URL;
  readonly request: LookupRequests;
  readonly targets: TargetStates;
}) {
  const { name, cluster, request, targets } = options;
  return async function search(
    target: string,
    records: readonly OutboundRecord[],
    context: DeliveryContext,
  ): Promise<Found | Fetched> {
    const ids = [...new Set(records.map((record) => record.id))];
    const found = new Map<string, Set<string>>();
    for (let start = 0; start < ids.length;) {
      const chunk = ids.slice(start, start + MAX_IDS_PER_SEARCH).filter((id) => !found.has(id));
      if (chunk.length === 0) {
        start += MAX_IDS_PER_SEARCH;
        continue;
      }
      const result = await request(
        { method: 'POST', url: searchUrl(cluster, target), body: searchBody(chunk) },
        context,
      );
      if (result.kind === 'failed') return { failure: result };
      if (result.status === 404) {
        start += MAX_IDS_PER_SEARCH;
        continue;
      }
      if (result.status < 200 || result.status >= 300)
        return targets.refuse(target, result.status, result.body);
      const answer = readSearchAnswer(result.body);
      if (answer.kind === 'incomplete') {
        // A partial answer is a failing cluster, not an unsupported one: the records wait and retry.
        return {
          failure: { code: SinkCodes.UNAVAILABLE, message: `${name}: rollover lookup ${answer.reason}` },
        };
      }
      if (answer.kind === 'unreadable') return targets.refuse(target, result.status, result.body);
      const before = found.size;
      for (const { id, index } of answer.copies) {
        const indices = found.get(id) ?? new Set<string>();
        if (index !== undefined) indices.add(index);
        found.set(id, indices);
      }
      // A full answer may have left ids out for the copies of others (an id indexed in two backing
      // indices is two hits): the ids not found are asked again, until an answer holds room to spare.
      // Each repeat finds at least one id more, so this ends.
      if (answer.hits < chunk.length || found.size === before) start += MAX_IDS_PER_SEARCH;
    }
    return { found };
  };
}
