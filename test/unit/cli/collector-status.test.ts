import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CollectorState } from '../../../lambda/adapters/dynamodb-checkpoint-store';
import { collectorConfig, type CollectorConfig } from '../../../lambda/core/collectors/config';
import { SluiceError } from '../../../lambda/core/errors';
import { collectorHealth, collectorStatuses } from '../../../cli/status/collectors';
import { verdictOf } from '../../../cli/status/verdict';

const NOW = new Date('2024-05-08T12:00:00Z');
const collector = (name: string): CollectorConfig =>
  collectorConfig.parse({
    type: 'cirrus-siem',
    name,
    source: 'cirrus',
    logType: name,
    credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:c',
    lagAlarmMinutes: 60,
  });
const EMPTY_QUEUES = [
  { name: 'object queue', kind: 'queue', side: 'object', visible: 0, inFlight: 0 },
] as const;

describe("collectors in sluice status's verdict", () => {
  const states: Record<string, CollectorState | undefined> = {
    fresh: {
      lastRunStatus: 'caught-up',
      newestEventAt: '2024-05-08T11:50:00Z',
      checkpoint: { version: 1, since: '2024-05-08T11:50:00Z', written: ['a'], cursor: 'x' },
    },
    behind: { lastRunStatus: 'paused', newestEventAt: '2024-05-08T09:00:00Z' },
    never: undefined,
  };
  const read = async (name: string) => {
    if (name === 'corrupt') throw new SluiceError('COLLECTOR_CHECKPOINT_UNAVAILABLE', 'not JSON');
    return states[name];
  };

  it('shows lag, resume point and errors, and an unreadable item as an error', async () => {
    const statuses = await collectorStatuses(
      ['fresh', 'behind', 'never', 'corrupt'].map(collector),
      read,
      NOW,
    );
    const [fresh, behind, never, corrupt] = statuses;
    assert.equal(fresh.lagSeconds, 600);
    assert.deepEqual(fresh.checkpoint, { since: '2024-05-08T11:50:00Z', cursor: true, rememberedIds: 1 });
    assert.equal(behind.lagSeconds, 3 * 3600);
    assert.equal(never.lastRun, null);
    assert.equal(never.lagSeconds, null);
    assert.equal(corrupt.lastError?.code, 'COLLECTOR_CHECKPOINT_UNAVAILABLE');
    const health = collectorHealth(statuses);
    assert.equal(health.failing.length, 1);
    assert.deepEqual(health.behind, ["collector behind's newest event is 10800 s old (> 3600 s)"]);
  });

  it('shows a tie every run stops at, and the command past it, only when the last run stopped there', async () => {
    const tied = (tiesEvents?: number): CollectorState => ({
      lastRunStatus: 'failed',
      lastErrorCode: 'COLLECTOR_TIES_EXCEED_PAGE',
      lastErrorMessage: 'the API returned a whole page of 100 events within one second',
      lastErrorTiesAt: '2024-05-08T11:00:07.000Z',
      ...(tiesEvents !== undefined ? { lastErrorTiesEvents: tiesEvents } : {}),
    });
    const millis = collectorConfig.parse({
      type: 'http-json',
      name: 'millis',
      source: 'audit',
      logType: 'millis',
      url: 'https://api.example.com/events',
      query: { since: '{since}' },
      auth: { type: 'none' },
      timestampField: 'time',
      timeFormat: 'epoch-millis',
      pagination: { type: 'since' },
    });
    const byName: Record<string, CollectorState> = {
      tied: tied(100),
      millis: { ...tied(), lastErrorTiesAt: '2024-05-08T11:00:07.123Z' },
      legacy: { ...tied(100), lastErrorTiesAt: undefined },
      other: { lastRunStatus: 'failed', lastErrorCode: 'COLLECTOR_AUTH_FAILED', lastErrorMessage: 'no' },
    };
    const [tiedStatus, millisStatus, legacy, other] = await collectorStatuses(
      [collector('tied'), millis, collector('legacy'), collector('other')],
      async (name) => byName[name],
      NOW,
    );
    assert.deepEqual(tiedStatus.stuck, {
      at: '2024-05-08T11:00:07.000Z',
      unit: 'second',
      atLeastEvents: 100,
      command: 'sluice collect checkpoint tied --skip-second',
    });
    assert.deepEqual(millisStatus.stuck, {
      at: '2024-05-08T11:00:07.123Z',
      unit: 'millisecond',
      atLeastEvents: null,
      command: 'sluice collect checkpoint millis --skip-second',
    });
    assert.equal(legacy.stuck, null, 'a failure stored without its second names none');
    assert.equal(other.stuck, null);
    const [reason] = collectorHealth([tiedStatus]).failing;
    assert.match(reason, /COLLECTOR_TIES_EXCEED_PAGE at 2024-05-08T11:00:07\.000Z; every run stops there/);
    assert.match(reason, /sluice collect checkpoint tied --skip-second$/);
    assert.doesNotMatch(reason, /next scheduled run retries/, 'a tie is not retried away');
  });

  it('is a backlog when a collector is behind, failing when one failed, healthy without either', () => {
    assert.equal(
      verdictOf({ queues: [...EMPTY_QUEUES], collectors: { failing: [], behind: [] } }).state,
      'healthy',
    );
    assert.equal(
      verdictOf({ queues: [...EMPTY_QUEUES], collectors: { failing: [], behind: ['x'] } }).state,
      'backlog',
    );
    const failing = verdictOf({
      queues: [...EMPTY_QUEUES],
      collectors: { failing: ['collector c failed'], behind: ['x'] },
    });
    assert.equal(failing.state, 'failing');
    assert.deepEqual(failing.reasons, ['collector c failed']);
  });
});
