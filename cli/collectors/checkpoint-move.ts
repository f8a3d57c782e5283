import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';
import { CollectorCodes } from '../../lambda/core/collectors/codes';
import type { CollectorConfig } from '../../lambda/core/collectors/config';
import { boundPrecisionMs } from '../../lambda/core/collectors/instant';
import type { Checkpoint } from '../../lambda/core/collectors/types';
import { decodeEntry } from '../../lambda/core/collectors/written-ids';
import { usageError } from '../shared/errors';

/** A checkpoint moved on an operator's order (`sluice collect checkpoint --skip-second | --set`). */
export interface CheckpointMove {
  readonly collector: string;
  /** The resume time before and after (RFC 3339). */
  readonly from: string;
  readonly to: string;
  /**
   * Moving forward: the events in [from, to) not written yet are never collected. Nobody knows how
   * many: the API cannot be asked for them (that is why a run stopped), and a run never counts them.
   */
  readonly skipped: { readonly from: string; readonly to: string; readonly events: 'unknown' } | null;
  /** Moving back: the events in [to, from) are read again; those already written are sent again. */
  readonly readAgain: { readonly from: string; readonly to: string } | null;
  /** The durable cursor is dropped: the next run asks by time from `to`. */
  readonly cursorDropped: boolean;
  readonly checkpoint: Checkpoint;
}

/** The checkpoint the command may move, with the `checkpointAt` it was read at. */
export function movableCheckpoint(
  collector: string,
  state: CollectorState | undefined,
): { checkpoint: Checkpoint; checkpointAt: string } {
  if (!state?.checkpoint || !state.checkpointAt) {
    throw usageError(
      `collector '${collector}' has no checkpoint yet: its first run starts firstRunDays back, and there is nothing to move`,
    );
  }
  return { checkpoint: state.checkpoint, checkpointAt: state.checkpointAt };
}

/**
 * Where `--skip-second` moves the checkpoint: to the bound after the one the last run could not read
 * past (`precisionMs`: the collector's timeFormat, 1000 or 1).
 */
export function pastTiedSecond(
  collector: string,
  state: CollectorState | undefined,
  precisionMs: number,
): Date {
  if (state?.lastErrorCode !== CollectorCodes.TIES_EXCEED_PAGE) {
    throw usageError(
      `collector '${collector}''s last run did not stop with ${CollectorCodes.TIES_EXCEED_PAGE} (last error: ${state?.lastErrorCode ?? 'none'}): there is no second to skip. Fix: --set <time> moves the checkpoint to a time you choose`,
    );
  }
  if (state.lastErrorTiesAt === undefined) {
    throw usageError(
      `collector '${collector}''s last failure was recorded without its second (before this version). Fix: --set <the second after the one its error message names>`,
    );
  }
  return new Date(Date.parse(state.lastErrorTiesAt) + precisionMs);
}

/**
 * The checkpoint resuming by time from `to`: the ids it remembers at or after `to` stay (those events
 * are written, and must not be written again), the others can no longer be read again.
 */
export function moveCheckpoint(
  collector: string,
  checkpoint: Checkpoint,
  to: Date,
  now: Date,
): CheckpointMove {
  if (to.getTime() > now.getTime()) {
    throw usageError(
      `${to.toISOString()} is in the future: a collector would wait for it, collecting nothing`,
    );
  }
  const fromMs = Date.parse(checkpoint.since);
  if (to.getTime() === fromMs && checkpoint.cursor === undefined) {
    throw usageError(
      `collector '${collector}''s checkpoint is at ${checkpoint.since} already: nothing to move`,
    );
  }
  const from = new Date(fromMs).toISOString();
  const at = to.toISOString();
  const second = Math.floor(to.getTime() / 1000);
  return {
    collector,
    from,
    to: at,
    skipped: to.getTime() > fromMs ? { from, to: at, events: 'unknown' } : null,
    readAgain: to.getTime() < fromMs ? { from: at, to: from } : null,
    cursorDropped: checkpoint.cursor !== undefined,
    checkpoint: {
      version: 2,
      since: at,
      written: checkpoint.written.filter((entry) => decodeEntry(entry).second >= second),
      ...(checkpoint.newestEventAt !== undefined ? { newestEventAt: checkpoint.newestEventAt } : {}),
    },
  };
}

/** What the operator is asked to confirm (and reads afterwards): what moves, and what is lost. */
export function describeMove(move: CheckpointMove): string {
  const lines = [
    `collector ${move.collector}: the next run resumes from ${move.to} instead of ${move.from}.`,
  ];
  if (move.skipped) {
    lines.push(
      `Events from ${move.skipped.from} up to ${move.skipped.to} that are not written yet are skipped and never collected. How many is unknown: the API cannot be asked for them, which is why the run stopped (for --skip-second: the rest of that second past the page the API gave, and any event of the lookback the API makes available late).`,
    );
  }
  if (move.readAgain) {
    lines.push(
      `Events from ${move.readAgain.from} up to ${move.readAgain.to} are read again; those written already go into the bucket again (Elasticsearch keeps one document per event).`,
    );
  }
  if (move.cursorDropped) lines.push("The API's durable cursor is dropped: the next run asks by time.");
  return lines.join('\n');
}

/** The bound precision of the collector's `since` (only `http-json` can be set to milliseconds). */
export function precisionOf(collector: CollectorConfig): number {
  return collector.type === 'http-json' ? boundPrecisionMs(collector.timeFormat) : 1000;
}
