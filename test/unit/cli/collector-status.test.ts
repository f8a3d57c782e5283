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
