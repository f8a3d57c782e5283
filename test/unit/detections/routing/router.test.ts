import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertStore } from '../../../../lambda/core/detections/alerts/store';
import type { AlertDocument } from '../../../../lambda/core/detections/alerts/document';
import type { AlertChannel, ChannelResult } from '../../../../lambda/core/detections/routing/channel';
import { alertRoutes } from '../../../../lambda/core/detections/routing/config';
import { AlertRouter } from '../../../../lambda/core/detections/routing/router';
import { RoutingTable } from '../../../../lambda/core/detections/routing/table';
import { alertDocument } from './fixtures';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/route-AbCdEf';

/** A channel that answers with the given result and records what it was sent. */
function channel(name: string, result: ChannelResult = { delivered: true, attempts: 1 }) {
  const sent: AlertDocument[] = [];
  const fake: AlertChannel & { sent: AlertDocument[] } = {
    name,
    type: 'webhook',
    sent,
    send: async (alert) => {
      sent.push(alert);
      return result;
    },
  };
  return fake;
}

async function setup(results: Record<string, ChannelResult> = {}) {
  const table = new RoutingTable(
    alertRoutes.parse([
      { type: 'slack', name: 'chat', secretArn: ARN },
      { type: 'pagerduty', name: 'pager', secretArn: ARN },
    ]),
  );
  const chat = channel('chat', results.chat);
  const pager = channel('pager', results.pager);
  const marked: string[] = [];
  const store: AlertStore = {
    register: async () => {
      throw new Error('the router never registers');
    },
    markNotified: async (dedupKey) => {
      marked.push(dedupKey);
    },
  };
  const alert = alertDocument();
  const router = new AlertRouter(
    table,
    new Map([
      ['chat', chat],
      ['pager', pager],
    ]),
    store,
  );
  const notified = () => marked.includes(alert.dedupKey);
  return { router, chat, pager, alert, notified };
}

const DEADLINE = Date.now() + 60_000;

describe('routing alerts', () => {
  it('sends an opening to every route of its level, then records it as notified', async () => {
    const { router, chat, pager, alert, notified } = await setup();
    const routed = await router.route({ kind: 'opened', dedupKey: alert.dedupKey, alert }, DEADLINE);
    assert.deepEqual(
      routed.deliveries.map(({ route, result }) => [route, result.delivered]),
      [
        ['chat', true],
        ['pager', true],
      ],
    );
    assert.equal(chat.sent[0], alert);
    assert.equal(pager.sent[0], alert);
    assert.deepEqual([routed.settled, routed.notified, notified()], [true, true, true]);
  });

  it('sends a medium alert to chat only (PagerDuty pages from high)', async () => {
    const { router, chat, pager, alert } = await setup();
    await router.route(
      { kind: 'opened', dedupKey: alert.dedupKey, alert: { ...alert, level: 'medium' } },
      DEADLINE,
    );
    assert.deepEqual([chat.sent.length, pager.sent.length], [1, 0]);
  });

  it('sends an update only to routes that take updates, and never marks it', async () => {
    const { router, chat, pager, alert, notified } = await setup();
    const routed = await router.route(
      { kind: 'updated', dedupKey: alert.dedupKey, alert: { ...alert, status: 'updated' } },
      DEADLINE,
    );
    assert.deepEqual([chat.sent.length, pager.sent.length], [0, 1]);
    assert.deepEqual([routed.notified, notified()], [false, false]);
  });

  it('leaves an opening unsettled while a route can still take it later', async () => {
    const down: ChannelResult = {
      delivered: false,
      attempts: 3,
      code: 'ALERT_CHANNEL_UNAVAILABLE',
      message: 'pager kept failing (PagerDuty 503)',
      retryLater: true,
    };
    const { router, alert, notified } = await setup({ pager: down });
    const routed = await router.route({ kind: 'opened', dedupKey: alert.dedupKey, alert }, DEADLINE);
    assert.deepEqual([routed.settled, routed.notified, notified()], [false, false, false]);
    assert.equal(routed.deliveries[1].result, down);
  });

  it('settles an opening a route refused for good: sending it again would be refused again', async () => {
    const refused: ChannelResult = {
      delivered: false,
      attempts: 1,
      code: 'ALERT_CHANNEL_REJECTED',
      message: 'chat: Slack 400 invalid_payload',
      retryLater: false,
    };
    const { router, alert, notified } = await setup({ chat: refused });
    const routed = await router.route({ kind: 'opened', dedupKey: alert.dedupKey, alert }, DEADLINE);
    assert.deepEqual([routed.settled, notified()], [true, true]);
  });

  it('marks an alert no route takes as notified: there is nothing to send', async () => {
    const { router, chat, alert, notified } = await setup();
    const routed = await router.route(
      { kind: 'opened', dedupKey: alert.dedupKey, alert: { ...alert, level: 'low' } },
      DEADLINE,
    );
    assert.deepEqual([routed.deliveries.length, chat.sent.length, notified()], [0, 0, true]);
  });

  it('does not even build an update when no route takes updates', async () => {
    const table = new RoutingTable(alertRoutes.parse([{ type: 'slack', name: 'chat', secretArn: ARN }]));
    const chat = channel('chat');
    const router = new AlertRouter(table, new Map([['chat', chat]]));
    const outcome = {
      kind: 'updated' as const,
      dedupKey: 'k',
      get alert(): AlertDocument {
        throw new Error('built');
      },
    };
    const routed = await router.route(outcome, DEADLINE);
    assert.deepEqual([routed.deliveries.length, routed.settled, chat.sent.length], [0, true, 0]);
  });
});
