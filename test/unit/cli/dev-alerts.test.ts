import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderAlerts } from '../../../cli/commands/dev';
import type { DevAlert } from '../../../cli/dev/dev-alerts';

/** The printed lines (the table is one string of several lines). */
const printed = (alerts: readonly DevAlert[]) => renderAlerts(alerts).join('\n').split('\n');

function alert(overrides: Partial<DevAlert>): DevAlert {
  return {
    rule: 'sdm_role_or_permission_grant',
    title: 'Role or permission granted in StrongDM',
    level: 'medium',
    group: {},
    count: 1,
    period: { start: '2026-12-01T14:00:00.000Z', end: '2026-12-01T15:00:00.000Z' },
    events: 1,
    object: 's3://sluice-dev-logs/sluice/sluice-alerts/2026/12/01/14/03/a.json',
    ...overrides,
  };
}

describe("sluice dev's alert lines", () => {
  it('shows the period each alert covers, so one rule listed twice reads as two hours, not a duplicate', () => {
    const lines = printed([
      alert({ count: 2 }),
      alert({
        period: { start: '2026-12-01T15:00:00.000Z', end: '2026-12-01T16:00:00.000Z' },
        object: 's3://sluice-dev-logs/sluice/sluice-alerts/2026/12/01/15/01/b.json',
      }),
    ]);
    const table = lines.filter((line) => line.includes('sdm_role_or_permission_grant'));
    assert.equal(table.length, 2);
    assert.match(
      table[0],
      /medium\s+sdm_role_or_permission_grant\s+-\s+2026-12-01 14:00Z\s+2\s+s3:\/\/.*\/a\.json$/,
    );
    assert.match(table[1], /2026-12-01 15:00Z\s+1\s+s3:\/\/.*\/b\.json$/);
    assert.match(lines.join('\n'), /level\s+rule\s+group\s+period from\s+count\s+alert object/);
  });

  it('names the group of a correlation alert by its fields', () => {
    const lines = printed([alert({ rule: 'sdm_query_burst', group: { actorAccountID: 'a-01' } })]);
    assert.ok(lines.some((line) => /sdm_query_burst\s+actorAccountID=a-01\s+2026-12-01 14:00Z/.test(line)));
  });

  it('says so when nothing was raised', () => {
    assert.deepEqual(renderAlerts([]), ['alerts:    none raised']);
  });
});
