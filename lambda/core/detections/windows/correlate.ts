import type { CorrelationRule } from '../sigma/types';
import type { Contribution, WindowStore } from './store';
import { evaluateWindows, mergeBatch, type WindowEvaluation } from './windows';

/** How long after their window a contribution is kept for late records. Default: one day. */
export const DEFAULT_LATENESS_MS = 86_400_000;

export interface Correlated extends WindowEvaluation {
  /** The batch and the stored contributions it can share a window with: unique by id, by event time then id. */
  readonly sorted: readonly Contribution[];
  /** Same positions: 1 for the batch's own contributions, 0 for those only read from the store. */
  readonly candidate: Uint8Array;
}

/**
 * Counts a batch of contributions to one correlation and group: stores them (idempotently), reads
 * the stored ones that can share a window with them, and evaluates the windows the batch is in (see
 * evaluateWindows). Contributions already stored (a redelivery, a replay) are candidates again:
 * that is what makes a crash between counting and alerting harmless. It writes before it reads,
 * never the other way round: the batch whose write completes a window must read it complete, as
 * evaluateWindows' claim needs (the store's reads see every write that completed before them).
 *
 * Items expire `timespan + lateness` after the later of their event time and now, so a record up to
 * `lateness` late still finds its window's companions, and a replay of old objects is still
 * recognised as a replay while it runs.
 */
export async function correlate(
  store: WindowStore,
  rule: Pick<CorrelationRule, 'type' | 'timespanMs' | 'threshold'>,
  partition: string,
  batch: readonly Contribution[],
  nowMs: number,
  latenessMs = DEFAULT_LATENESS_MS,
): Promise<Correlated> {
  if (batch.length === 0) return { sorted: [], candidate: new Uint8Array(0), candidates: [], members: [] };
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < batch.length; i += 1) {
    const time = batch[i].ref.eventTimeMs;
    if (time < earliest) earliest = time;
    if (time > latest) latest = time;
  }
  await store.add(partition, batch, Math.max(latest, nowMs) + rule.timespanMs + latenessMs);
  const stored = await store.range(partition, earliest - rule.timespanMs, latest + rule.timespanMs, batch);
  // The batch is merged in: the store may leave it out (see WindowStore.range), and a store read
  // that lags its writes must not hide it.
  const { sorted, candidate } = mergeBatch(batch, stored);
  return { sorted, candidate, ...evaluateWindows(sorted, candidate, rule) };
}
