import type { CorrelationRule } from '../sigma/types';
import type { Contribution, WindowStore } from './store';
import { metWindows, type MetWindows } from './windows';

/** How long after their window a contribution is kept for late records. Default: one day. */
export const DEFAULT_LATENESS_MS = 86_400_000;

/**
 * Counts a batch of contributions to one correlation and group: stores them (idempotently), reads
 * the stored ones that can share a window with them, and returns the met windows of each
 * contribution in the batch. Contributions already stored (a redelivery, a replay) are evaluated
 * again: that is what makes a crash between counting and alerting harmless.
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
): Promise<MetWindows> {
  if (batch.length === 0) return { sorted: [], candidates: new Map() };
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  for (const { ref } of batch) {
    earliest = Math.min(earliest, ref.eventTimeMs);
    latest = Math.max(latest, ref.eventTimeMs);
  }
  await store.add(partition, batch, Math.max(latest, nowMs) + rule.timespanMs + latenessMs);
  const stored = await store.range(partition, earliest - rule.timespanMs, latest + rule.timespanMs);
  // The batch is merged in too: a store read that lags its writes must not hide them.
  const candidates = new Set(batch.map((contribution) => contribution.ref.id));
  return metWindows([...batch, ...stored], rule, candidates);
}
