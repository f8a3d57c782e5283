import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertRoutes } from '../../../../lambda/core/detections/routing/config';
import {
  LEVEL_RANK,
  PAGERDUTY_SEVERITY,
  levelsFrom,
} from '../../../../lambda/core/detections/routing/levels';
import { RoutingTable } from '../../../../lambda/core/detections/routing/table';
import { LEVELS } from '../../../../lambda/core/detections/sigma/types';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/route-AbCdEf';

const table = new RoutingTable(
  alertRoutes.parse([
    { type: 'sns' },
    { type: 'slack', name: 'soc-chat', secretArn: ARN, minLevel: 'low' },
    { type: 'pagerduty', name: 'on-call', secretArn: ARN },
    { type: 'webhook', name: 'soar', secretArn: ARN, levels: ['informational', 'critical'], updates: false },
  ]),
);

const names = (level: (typeof LEVELS)[number], kind: 'opened' | 'updated') =>
  table.routesFor(level, kind).map((route) => route.name);

describe('level routing', () => {
  it('orders the Sigma levels informational < low < medium < high < critical', () => {
    assert.deepEqual(
      [...LEVELS].sort((a, b) => LEVEL_RANK[a] - LEVEL_RANK[b]),
      ['informational', 'low', 'medium', 'high', 'critical'],
    );
    assert.deepEqual(levelsFrom('high'), ['high', 'critical']);
  });

  it('sends an opening alert to every route whose levels include its level', () => {
    assert.deepEqual(names('informational', 'opened'), ['soar']);
    assert.deepEqual(names('low', 'opened'), ['soc-chat']);
    assert.deepEqual(names('medium', 'opened'), ['sns-1', 'soc-chat']);
    assert.deepEqual(names('high', 'opened'), ['sns-1', 'soc-chat', 'on-call']);
    assert.deepEqual(names('critical', 'opened'), ['sns-1', 'soc-chat', 'on-call', 'soar']);
  });

  it('sends an update (running count grew) only to routes that take updates (PagerDuty by default)', () => {
    assert.deepEqual(names('critical', 'updated'), ['on-call']);
    assert.deepEqual(names('medium', 'updated'), []);
  });

  it('pages only from high by default, and chats from medium', () => {
    const defaults = new RoutingTable(
      alertRoutes.parse([
        { type: 'pagerduty', secretArn: ARN },
        { type: 'slack', secretArn: ARN },
      ]),
    );
    assert.deepEqual([...defaults.routes[0].levels], ['high', 'critical']);
    assert.deepEqual([...defaults.routes[1].levels], ['medium', 'high', 'critical']);
  });

  it('maps each Sigma level to a PagerDuty severity, keeping their order', () => {
    assert.deepEqual(PAGERDUTY_SEVERITY, {
      informational: 'info',
      low: 'info',
      medium: 'warning',
      high: 'error',
      critical: 'critical',
    });
    const pagerOrder = ['info', 'warning', 'error', 'critical'];
    for (let i = 1; i < LEVELS.length; i += 1) {
      assert.ok(
        pagerOrder.indexOf(PAGERDUTY_SEVERITY[LEVELS[i]]) >=
          pagerOrder.indexOf(PAGERDUTY_SEVERITY[LEVELS[i - 1]]),
      );
    }
  });
});
