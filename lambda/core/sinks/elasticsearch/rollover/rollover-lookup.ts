import type { OutboundRecord } from '../../../records/types';
import { excerpt } from '../../classification';
import { SinkCodes } from '../../codes';
import type { DeliveryContext, SinkLog } from '../../types';
import { readBackingIndices, settingsUrl, type TargetIndices } from './backing-indices';
import { MAX_IDS_PER_SEARCH, readSearchAnswer, searchBody, searchUrl } from './id-search';
import { mayBeInOlderIndex } from './lookup-decision';
import type { LookupRequests } from './lookup-requests';

/** How long what a target is made of is trusted: a rollover inside this window goes unseen until then. */
export const TARGET_CACHE_MS = 60_000;

export interface RolloverLookupOptions {
  /** Destination name, for observer events and log lines. */
  readonly name: string;
  readonly cluster: URL;
  /** The data stream, index or alias a record is written to. */
  readonly target: (record: OutboundRecord) => string;
  readonly request: LookupRequests;
  readonly now: () => number;
  readonly log: SinkLog;
  /** Default: TARGET_CACHE_MS. */
  readonly cacheMs?: number;
}

export interface LookupOutcome {
  /** Found in the target: delivered before, counted delivered like a 409. */
  readonly alreadyIndexed: OutboundRecord[];
  /** To send with `create`. */
  readonly toSend: readonly OutboundRecord[];
  /** Their lookup could not be made (the cluster kept failing, credentials refused, out of time). */
  readonly failed: OutboundRecord[];
  readonly failure?: { readonly code: string; readonly message: string };
}

/** A target's lookup the cluster will not do: records go unchecked until the cache entry expires. */
type Unchecked = { readonly kind: 'unchecked'; readonly reason: 'forbidden' | 'unsupported' };
type TargetState = TargetIndices | Unchecked;
type Fetched = { readonly state: TargetState } | { readonly failure: { code: string; message: string } };

const FIX = {
  forbidden:
    "the writer's role lacks the read and view_index_metadata privileges on it. Fix: run `sluice setup elasticsearch <destination>` again (it grants them), or set rolloverLookup: false to accept duplicates after a rollover",
  unsupported:
    'the cluster does not answer the lookup requests (GET <target>/_settings, POST <target>/_search). Fix: set rolloverLookup: false on the destination if this is expected',
} as const;

/**
 * Drops, before `_bulk`, the records that are already in an older backing index of their target,
 * where `create` cannot see them (`_id` is unique within one backing index). Per target it learns
 * the write index's creation time (cached TARGET_CACHE_MS), and only records that may predate it are
 * looked up, with one `ids` search per batch and target: none in steady state, every record of a
 * replay of old data. A cluster that refuses the lookup (403: the role predates it; or an API it does
 * not have) is warned about once per target and its records are sent unchecked, as before.
 */
export function createRolloverLookup(options: RolloverLookupOptions) {
  const { name, cluster, request, now, log } = options;
  const cacheMs = options.cacheMs ?? TARGET_CACHE_MS;
  const cache = new Map<string, { readonly at: number; readonly state: Promise<Fetched> }>();
  const warned = new Set<string>();

  const warnOnce = (target: string, reason: Unchecked['reason'], status: number, body: string): void => {
    const key = `${target}\u0000${reason}`;
    if (warned.has(key)) return;
    warned.add(key);
    log.warn(`${name}: records of ${target} are sent without the rollover lookup: ${FIX[reason]}`, {
      destination: name,
      target,
      status,
      answer: excerpt(body),
    });
  };

  const unchecked = (target: string, status: number, body: string): Unchecked => {
    const reason = status === 403 ? 'forbidden' : 'unsupported';
    warnOnce(target, reason, status, body);
    return { kind: 'unchecked', reason };
  };

  const fetch = async (target: string, context: DeliveryContext): Promise<Fetched> => {
    const result = await request({ method: 'GET', url: settingsUrl(cluster, target) }, context);
    if (result.kind === 'failed') return { failure: result };
    if (result.status === 404) return { state: { kind: 'one-index' } };
    if (result.status >= 200 && result.status < 300) {
      const indices = readBackingIndices(result.body);
      return { state: indices ?? unchecked(target, result.status, result.body) };
    }
    return { state: unchecked(target, result.status, result.body) };
  };

  /** Cached per target; concurrent batches share one request. Failures are not kept. */
  const stateOf = (target: string, context: DeliveryContext): Promise<Fetched> => {
    const held = cache.get(target);
    if (held && now() - held.at < cacheMs) return held.state;
    const state = fetch(target, context).then((fetched) => {
      if ('failure' in fetched) cache.delete(target);
      else cache.set(target, { at: now(), state: Promise.resolve(fetched) });
      return fetched;
    });
    cache.set(target, { at: now(), state });
    return state;
  };

  /** The ids of `records` found in `target`, or why the search could not say. */
  const search = async (
    target: string,
    records: readonly OutboundRecord[],
    context: DeliveryContext,
  ): Promise<{ found: Set<string> } | Fetched> => {
    const ids = [...new Set(records.map((record) => record.id))];
    const found = new Set<string>();
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
      if (result.status < 200 || result.status >= 300) {
        const state = unchecked(target, result.status, result.body);
        cache.set(target, { at: now(), state: Promise.resolve({ state }) });
        return { state };
      }
      const answer = readSearchAnswer(result.body);
      if (answer.kind === 'incomplete') {
        // A partial answer is a failing cluster, not an unsupported one: the records wait and retry.
        return {
          failure: { code: SinkCodes.UNAVAILABLE, message: `${name}: rollover lookup ${answer.reason}` },
        };
      }
      if (answer.kind === 'unreadable') return { state: unchecked(target, result.status, result.body) };
      const before = found.size;
      for (const id of answer.ids) found.add(id);
      // A full answer may have left ids out for the copies of others (an id indexed in two backing
      // indices is two hits): the ids not found are asked again, until an answer holds room to spare.
      // Each repeat finds at least one id more, so this ends.
      if (answer.hits < chunk.length || found.size === before) start += MAX_IDS_PER_SEARCH;
    }
    return { found };
  };

  return async function lookup(
    batch: readonly OutboundRecord[],
    context: DeliveryContext,
  ): Promise<LookupOutcome> {
    const outcome = {
      alreadyIndexed: [] as OutboundRecord[],
      toSend: [] as OutboundRecord[],
      failed: [] as OutboundRecord[],
    };
    let failure: LookupOutcome['failure'];
    const byTarget = new Map<string, OutboundRecord[]>();
    for (const record of batch) {
      const target = options.target(record);
      const records = byTarget.get(target);
      if (records) records.push(record);
      else byTarget.set(target, [record]);
    }
    for (const [target, records] of byTarget) {
      const fetched = await stateOf(target, context);
      if ('failure' in fetched) {
        outcome.failed.push(...records);
        failure ??= fetched.failure;
        continue;
      }
      const { state } = fetched;
      if (state.kind === 'unchecked') {
        context.observer?.rolloverLookup?.(name, { checked: 0, found: 0, unchecked: records.length });
        outcome.toSend.push(...records);
        continue;
      }
      if (state.kind === 'one-index') {
        outcome.toSend.push(...records);
        continue;
      }
      const at = now();
      const candidates = records.filter((record) => mayBeInOlderIndex(record, state.writeIndexCreatedAt, at));
      if (candidates.length === 0) {
        outcome.toSend.push(...records);
        continue;
      }
      const searched = await search(target, candidates, context);
      if ('failure' in searched) {
        outcome.failed.push(...records);
        failure ??= searched.failure;
        continue;
      }
      if ('state' in searched) {
        context.observer?.rolloverLookup?.(name, { checked: 0, found: 0, unchecked: candidates.length });
        outcome.toSend.push(...records);
        continue;
      }
      let found = 0;
      for (const record of records) {
        if (searched.found.has(record.id)) {
          outcome.alreadyIndexed.push(record);
          found += 1;
        } else outcome.toSend.push(record);
      }
      context.observer?.rolloverLookup?.(name, { checked: candidates.length, found, unchecked: 0 });
    }
    if (failure) return { ...outcome, failure };
    // Usually every record is sent: the batch itself then goes on, not a copy of it.
    return outcome.toSend.length === batch.length ? { ...outcome, toSend: batch } : outcome;
  };
}

export type RolloverLookup = ReturnType<typeof createRolloverLookup>;
