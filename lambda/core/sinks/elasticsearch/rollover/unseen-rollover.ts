import type { OutboundRecord } from '../../../records/types';
import { parseJsonBody, type Records } from '../../classification';
import type { DeliveryContext, SinkLog } from '../../types';
import type { Found } from './search-ids';
import type { Fetched, TargetStates } from './target-state';

/** `"_index":"<name>"` in a `_bulk` answer, one per item, in request order (names hold no quote). */
const ITEM_INDEX = /"_index"\s*:\s*"([^"]*)"/g;

/** Each item's status in a `_bulk` answer, in request order; undefined when they cannot be read. */
function itemStatuses(body: string, count: number): Array<number | undefined> | undefined {
  const items = (parseJsonBody(body) as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items) || items.length !== count) return undefined;
  return items.map((item: unknown) => {
    const result = item && typeof item === 'object' ? Object.values(item)[0] : undefined;
    const status = (result as { status?: unknown } | undefined)?.status;
    return typeof status === 'number' ? status : undefined;
  });
}

/** How many ids of duplicates a warning names, for an operator to delete them. */
const IDS_IN_LOG = 20;

/**
 * A rollover inside the cache's life: records are checked against the write index read up to
 * TARGET_CACHE_MS ago, while `_bulk` already writes to a newer one. `_bulk` names the index each item
 * went to (`_index`); an item that went elsewhere than the cached write index means the target rolled
 * over unseen. By then `create` has written the item to the new index, and a copy of it may sit in the
 * old one: the writer may not delete, so the copies are searched for, counted (observer `duplicates`)
 * and named in a warning, and the target is read again before its next batch is checked.
 */
export function createUnseenRolloverCheck(options: {
  readonly name: string;
  readonly target: (record: OutboundRecord) => string;
  readonly log: SinkLog;
  readonly targets: TargetStates;
  readonly search: (
    target: string,
    records: readonly OutboundRecord[],
    context: DeliveryContext,
  ) => Promise<Found | Fetched>;
}) {
  const { name, log, targets, search } = options;
  /**
   * Records `_bulk` put elsewhere than the write index they were checked against: where, and whether
   * this request created them there. A 409 from the new index means an earlier request did (another
   * execution environment, or an attempt whose answer was lost): any copy elsewhere predates this
   * batch, and was counted, if at all, by the batch that made it.
   */
  const moved = new WeakMap<OutboundRecord, { readonly index: string; readonly created: boolean }>();

  /** Reads a 2xx `_bulk` answer for `group` (the items' `_index` only; the classifier reads the rest). */
  function noteBulkAnswer(body: string, group: Records): void {
    const landed: string[] = [];
    for (const match of body.matchAll(ITEM_INDEX)) landed.push(match[1]);
    // Without one index per item the items cannot be told apart: nothing is concluded.
    if (landed.length !== group.length) return;
    // Steady state: every item went to a write index known already; no record's target is resolved.
    if (landed.every((name) => targets.isWriteIndex(name))) return;
    // Past the steady state only: the answer is parsed again for each item's status.
    const statuses = itemStatuses(body, group.length);
    for (let index = 0; index < group.length; index += 1) {
      const expected = targets.writeIndexOf(options.target(group[index]));
      if (expected === undefined || landed[index] === expected) continue;
      const status = statuses?.[index];
      // A status that cannot be read counts as created: a copy counted twice beats one not counted.
      moved.set(group[index], {
        index: landed[index],
        created: status === undefined || (status >= 200 && status < 300),
      });
    }
  }

  async function checkTarget(
    target: string,
    landed: readonly OutboundRecord[],
    context: DeliveryContext,
  ): Promise<void> {
    targets.forget(target);
    const newIndex = moved.get(landed[0])?.index;
    const records = landed.filter((record) => moved.get(record)?.created === true);
    // Every item answered 409: this batch made no copy, there is nothing to count.
    if (records.length === 0) return;
    const fields = { destination: name, target, index: newIndex, records: records.length };
    const searched = await search(target, records, context);
    if (!('found' in searched)) {
      const why = 'failure' in searched ? searched.failure.message : 'the cluster refused the search';
      log.warn(
        `${name}: ${target} rolled over while its write index was cached: ${records.length} record(s) went to ${newIndex} without the rollover lookup, and whether an older index holds a copy could not be checked (${why})`,
        fields,
      );
      return;
    }
    const duplicates = records.filter((record) => {
      const indices = searched.found.get(record.id);
      return indices !== undefined && [...indices].some((held) => held !== moved.get(record)?.index);
    });
    context.observer?.rolloverLookup?.(name, {
      checked: 0,
      found: 0,
      unchecked: 0,
      duplicates: duplicates.length,
    });
    if (duplicates.length === 0) return;
    log.warn(
      `${name}: ${target} rolled over while its write index was cached: ${duplicates.length} record(s) written to ${newIndex} also have a copy in an older index (duplicates). The next batches are checked against the new write index. To remove them, delete these ids from ${newIndex}`,
      {
        ...fields,
        duplicates: duplicates.length,
        ids: duplicates.slice(0, IDS_IN_LOG).map((record) => record.id),
      },
    );
  }

  /** After `_bulk`: for the delivered records that went elsewhere than expected, per target. */
  async function afterBulk(delivered: readonly OutboundRecord[], context: DeliveryContext): Promise<void> {
    const byTarget = new Map<string, OutboundRecord[]>();
    for (const record of delivered) {
      if (!moved.has(record)) continue;
      const target = options.target(record);
      const records = byTarget.get(target);
      if (records) records.push(record);
      else byTarget.set(target, [record]);
    }
    for (const [target, records] of byTarget) {
      await checkTarget(target, records, context);
      for (const record of records) moved.delete(record);
    }
  }

  return { noteBulkAnswer, afterBulk };
}
