import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';
import type { CollectorConfig } from '../../lambda/core/collectors/config';
import { errorCode, errorMessage } from '../../lambda/core/errors';
import { precisionOf } from '../collectors/checkpoint-move';
import { stuckTie, type StuckTie } from '../collectors/stuck-tie';

/** What `sluice status` shows of one collector, from its item in the checkpoint table. */
export interface CollectorStatus {
  readonly name: string;
  readonly type: CollectorConfig['type'];
  /** `<source prefix>/<logType>` is where its objects go. */
  readonly source: string;
  readonly logType: string;
  /** A run holds the lease now. */
  readonly running: boolean;
  readonly lastRun: {
    readonly status: string;
    readonly startedAt: string | null;
    readonly endedAt: string | null;
    readonly eventsWritten: number | null;
  } | null;
  readonly lastSuccessAt: string | null;
  /** The last run's failure (cleared by the next good run), or why the item cannot be read. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** The last run stopped at COLLECTOR_TIES_EXCEED_PAGE: the instant every run stops before, and the way past it. */
  readonly stuck: StuckTie | null;
  /** Where the next run starts: the resume time, whether it holds the API's cursor, and how many events it remembers writing (those of the lookback window, not written again). */
  readonly checkpoint: {
    readonly since: string;
    readonly cursor: boolean;
    readonly rememberedIds: number;
  } | null;
  readonly newestEventAt: string | null;
  /** Seconds between now and the newest collected event; null before the first. */
  readonly lagSeconds: number | null;
  /** The lag alarm's threshold (`lagAlarmMinutes`). */
  readonly lagAlarmSeconds: number;
}

type ReadState = (collector: string) => Promise<CollectorState | undefined>;

function statusOf(
  collector: CollectorConfig,
  state: CollectorState | undefined,
  now: Date,
): Omit<CollectorStatus, 'lastError'> & { lastError: CollectorStatus['lastError'] } {
  const newest = state?.checkpoint?.newestEventAt ?? state?.newestEventAt;
  return {
    name: collector.name,
    type: collector.type,
    source: collector.source,
    logType: collector.logType,
    running: Boolean(state?.leaseOwner && (state.leaseExpiresAt ?? 0) > now.getTime()),
    lastRun: state?.lastRunStatus
      ? {
          status: state.lastRunStatus,
          startedAt: state.lastRunStartedAt ?? null,
          endedAt: state.lastRunEndedAt ?? null,
          eventsWritten: state.lastRunRecords ?? null,
        }
      : null,
    lastSuccessAt: state?.lastSuccessAt ?? null,
    lastError: state?.lastErrorCode
      ? { code: state.lastErrorCode, message: state.lastErrorMessage ?? '' }
      : null,
    stuck: stuckTie(collector.name, state, precisionOf(collector)),
    checkpoint: state?.checkpoint
      ? {
          since: state.checkpoint.since,
          cursor: state.checkpoint.cursor !== undefined,
          rememberedIds: state.checkpoint.written.length,
        }
      : null,
    newestEventAt: newest ?? null,
    lagSeconds: newest ? Math.max(0, Math.round((now.getTime() - Date.parse(newest)) / 1000)) : null,
    lagAlarmSeconds: collector.lagAlarmMinutes * 60,
  };
}

/** Every configured collector's state; an item that cannot be read is shown with the reason. */
export async function collectorStatuses(
  collectors: readonly CollectorConfig[],
  read: ReadState,
  now: Date,
): Promise<CollectorStatus[]> {
  return Promise.all(
    collectors.map(async (collector) => {
      try {
        return statusOf(collector, await read(collector.name), now);
      } catch (error) {
        return {
          ...statusOf(collector, undefined, now),
          lastError: { code: errorCode(error), message: errorMessage(error) },
        };
      }
    }),
  );
}

/**
 * How collectors weigh in the verdict: a failed last run (or an unreadable checkpoint) is failing,
 * like the collector-failing alarm; a newest event older than `lagAlarmMinutes` is a backlog, like the
 * lag alarm.
 */
export function collectorHealth(statuses: readonly CollectorStatus[]): {
  failing: string[];
  behind: string[];
} {
  return {
    failing: statuses
      .filter((status) => status.lastError)
      .map((status) =>
        // A tie is not retried away: the next runs stop at the same instant until the operator acts.
        status.stuck
          ? `collector ${status.name} failed: ${status.lastError!.code} at ${status.stuck.at}; every run stops there until the configuration is fixed or: ${status.stuck.command}`
          : `collector ${status.name} failed: ${status.lastError!.code}. Fix the cause; the next scheduled run retries (or: sluice collect ${status.name})`,
      ),
    behind: statuses
      .filter((status) => status.lagSeconds !== null && status.lagSeconds > status.lagAlarmSeconds)
      .map(
        (status) =>
          `collector ${status.name}'s newest event is ${status.lagSeconds} s old (> ${status.lagAlarmSeconds} s)`,
      ),
  };
}
