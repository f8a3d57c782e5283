import type { CollectorState } from '../../lambda/adapters/dynamodb-checkpoint-store';

/** What the command shows of a collector's item. */
export function stateView(name: string, state: CollectorState | undefined) {
  const checkpoint = state?.checkpoint;
  return {
    collector: name,
    checkpoint: checkpoint
      ? {
          since: checkpoint.since,
          cursor: checkpoint.cursor !== undefined,
          rememberedIds: checkpoint.written.length,
          newestEventAt: checkpoint.newestEventAt ?? null,
          storedAt: state?.checkpointAt ?? null,
        }
      : null,
    lastRun: state?.lastRunStatus
      ? { status: state.lastRunStatus, endedAt: state.lastRunEndedAt ?? null }
      : null,
    lastError: state?.lastErrorCode
      ? {
          code: state.lastErrorCode,
          message: state.lastErrorMessage ?? '',
          tiesAt: state.lastErrorTiesAt ?? null,
          tiesEvents: state.lastErrorTiesEvents ?? null,
        }
      : null,
  };
}

export function renderState(data: ReturnType<typeof stateView>): string {
  const { checkpoint, lastRun, lastError } = data;
  const lines = [
    checkpoint
      ? `collector ${data.collector}: resumes from ${checkpoint.since}${checkpoint.cursor ? " with the API's durable cursor" : ''}, remembering ${checkpoint.rememberedIds} written event id(s); newest event ${checkpoint.newestEventAt ?? 'none'}`
      : `collector ${data.collector}: no checkpoint yet (its first run starts firstRunDays back)`,
  ];
  if (lastRun) lines.push(`last run: ${lastRun.status}${lastRun.endedAt ? ` at ${lastRun.endedAt}` : ''}`);
  if (lastError) lines.push(`last error: ${lastError.code}: ${lastError.message}`);
  if (lastError?.tiesAt) {
    lines.push(
      `every run stops at ${lastError.tiesAt}${lastError.tiesEvents !== null ? ` (at least ${lastError.tiesEvents} events share it)` : ''}; to skip the rest of it on purpose: sluice collect checkpoint ${data.collector} --skip-second`,
    );
  }
  return lines.join('\n');
}
