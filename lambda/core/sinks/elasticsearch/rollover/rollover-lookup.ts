import type { OutboundRecord } from '../../../records/types';
import type { DeliveryContext, SinkLog } from '../../types';
import { mayBeInOlderIndex } from './lookup-decision';
import type { LookupRequests } from './lookup-requests';
import { createIdSearch } from './search-ids';
import { createTargetStates } from './target-state';
import { createUnseenRolloverCheck } from './unseen-rollover';

export { TARGET_CACHE_MS } from './target-state';

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

/**
 * Drops, before `_bulk`, the records that are already in another index of their target than the
 * write index, where `create` cannot see them (`_id` is unique within one index). Per target it learns
 * the indices, their creation times and the write index (cached TARGET_CACHE_MS); only records that
 * may predate the write index are looked up, with one `ids` search per batch and target: none in
 * steady state, every record of a replay of old data, and every record while the write index is not
 * the newest. A cluster that refuses the lookup (403: the role predates it; or an API it does not
 * have) is warned about once per target and its records are sent unchecked, as before.
 * `noteBulkAnswer` and `afterBulk` catch a rollover inside the cache's life (unseen-rollover.ts).
 */
export function createRolloverLookup(options: RolloverLookupOptions) {
  const { name, now } = options;
  const targets = createTargetStates(options);
  const search = createIdSearch({ ...options, targets });
  const unseen = createUnseenRolloverCheck({ ...options, targets, search });

  async function lookup(batch: readonly OutboundRecord[], context: DeliveryContext): Promise<LookupOutcome> {
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
      const fetched = await targets.stateOf(target, context);
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
      // An alias's other indices may hold records newer than its write index (write-index.ts).
      const writtenElsewhereUntil =
        state.kind === 'every-record'
          ? 0
          : Math.max(state.writeIndexCreatedAt, state.newestElsewhere ?? state.writeIndexCreatedAt);
      const candidates =
        state.kind === 'every-record'
          ? records
          : records.filter((record) => mayBeInOlderIndex(record, writtenElsewhereUntil, at));
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
  }

  return { lookup, noteBulkAnswer: unseen.noteBulkAnswer, afterBulk: unseen.afterBulk };
}

export type RolloverLookup = ReturnType<typeof createRolloverLookup>;
