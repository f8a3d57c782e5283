/**
 * Detections in the CLI's forwarders, on the same moto deployment as the Lambda's: `sluice run` works
 * next to the deployed forwarder on its queue and its detection table (an alert either raised is
 * raised once), and refuses to run detections without that table; `sluice forward` runs none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { AlertRecord } from '../../../lambda/core/detections/routing/alert-record';
import { sluice } from '../cli/helpers';
import {
  activityRecord,
  hecAlerts,
  ndjson,
  queryRecord,
  startDetectionsE2E,
  vendorKey,
  type DetectionsE2E,
} from './e2e-support';
import { waitFor } from '../../support/wait-for';

const HOUR = 3_600_000;

describe('detections in the CLI (sluice run, sluice forward) beside the deployed forwarder (moto)', () => {
  let e2e: DetectionsE2E;
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const quiet = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };

  before(async () => {
    e2e = await startDetectionsE2E();
  });
  after(async () => {
    await e2e?.stop();
  });

  it("sluice run raises only what the Lambda has not: it shares the deployment's detection table", async () => {
    // The Lambda forwards a role grant: one alert, one Slack message.
    const grantKey = vendorKey('activities', now, 'grant.json');
    await e2e.putObject(grantKey, ndjson([activityRecord('at-grant', now, 'User added to role')]));
    assert.equal((await e2e.drain()).failed, 0);
    assert.equal(e2e.slack.messages.length, 1);
    const grantMessage = e2e.bodies.find((body) => body.includes('grant.json'))!;

    // `sluice run` then receives another grant in the same hour and a DROP on prod. With the Lambda's
    // state, the second grant takes the alert's running count to 2, an update the stage writes (with a
    // table of its own, the worker would count 1, find the opening written, and write nothing).
    let stop: ((signal: NodeJS.Signals) => void) | undefined;
    const running = sluice(['run', '--json', '--config', e2e.configPath, '--wait-seconds', '1'], {
      env: { ...e2e.env, ...quiet },
      cwd: e2e.dir,
      onStopSignal: (listener) => {
        stop = listener;
        return () => undefined;
      },
    });
    try {
      await e2e.putObject(
        vendorKey('activities', now, 'grant-2.json'),
        ndjson([activityRecord('at-grant-2', new Date(now.getTime() + 1_000), 'access request approved')]),
      );
      const dropAt = new Date(now.getTime() - HOUR);
      await e2e.putObject(
        vendorKey('queries', dropAt, 'drop.json'),
        ndjson([queryRecord('q-drop', dropAt, { query: 'drop table invoices' })]),
      );
      await waitFor(() => e2e.pagerDuty.events.length === 1, 300_000, 'the DROP alert to reach PagerDuty');
      await waitFor(
        () => hecAlerts(e2e.hec).length === 3,
        300_000,
        'the update and the DROP alert to reach HEC',
      );
      // The first grant's notification, delivered again, is read (its record reaches HEC again) and
      // raises nothing.
      await e2e.aws.sqs.send(
        new SendMessageCommand({ QueueUrl: e2e.deployment.objects.queueUrl, MessageBody: grantMessage }),
      );
      await waitFor(
        () =>
          e2e.hec.events.filter((event) => (event.event as { id?: string }).id === 'at-grant').length === 2,
        300_000,
        'the redelivered grant',
      );
    } finally {
      // Unless the run ended by itself (it failed), it stops once it has started.
      await Promise.race([running, waitFor(() => stop !== undefined, 300_000, 'the worker to start')]);
      stop?.('SIGTERM');
    }
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    const report = run.json<{
      messages: { failed: number };
      forwarding: { destinations: Record<string, { delivered: number; failed: number }> };
    }>();
    assert.equal(report.messages.failed, 0);
    assert.deepEqual(Object.keys(report.forwarding.destinations).sort(), [
      'detections',
      'route:audit',
      'route:oncall',
      'route:soc',
      'route:topic',
      'splunk',
    ]);

    assert.equal((await e2e.alertKeys()).length, 3, 'the grant opened (Lambda) and updated, the DROP opened');
    assert.deepEqual(
      hecAlerts(e2e.hec)
        .map((alert) => [alert.rule.name, alert.status, alert.occurrences])
        .sort(),
      [
        ['sdm_destructive_sql_prod', 'opened', 1],
        ['sdm_role_or_permission_grant', 'opened', 1],
        ['sdm_role_or_permission_grant', 'updated', 2],
      ],
    );
    // Slack takes openings only (its default): the update is not sent.
    assert.deepEqual(
      e2e.slack.messages.map((message) => message.text),
      ['MEDIUM: Role or permission granted in StrongDM', 'HIGH: Destructive SQL on a production resource'],
    );
    const [page] = e2e.pagerDuty.events;
    const drop = hecAlerts(e2e.hec).find((alert) => alert.rule.name === 'sdm_destructive_sql_prod')!;
    assert.equal(page.dedup_key, drop.dedupKey);
    assert.equal(await e2e.deadLetters(), 0);
  });

  it('sluice forward runs no detections: the records reach the SIEM, no alert is raised', async () => {
    const at = new Date(now.getTime() - 2 * HOUR);
    const key = vendorKey('queries', at, 'forwarded.json');
    // Written where no notification reaches the queue would not matter: forward reads the object itself.
    await e2e.putObject(key, ndjson([queryRecord('q-drop-forward', at, { query: 'TRUNCATE orders' })]));
    // moto notified the queue of it: left there, not forwarded by the Lambda in this test.
    await e2e.takeMessages();
    const before = { keys: await e2e.alertKeys(), slack: e2e.slack.messages.length };
    const forward = await sluice(
      ['forward', '--json', '--config', e2e.configPath, `s3://${e2e.deployment.bucket}/${key}`],
      {
        env: { ...e2e.env, ...quiet },
        cwd: e2e.dir,
      },
    );
    assert.equal(forward.code, 0, forward.stderr);
    assert.ok(e2e.hec.events.some((event) => (event.event as { uuid?: string }).uuid === 'q-drop-forward'));
    assert.deepEqual(await e2e.alertKeys(), before.keys);
    assert.equal(e2e.slack.messages.length, before.slack);
  });

  it('sluice run refuses to run detections without the detection table, naming the fix', async () => {
    const run = await sluice(['run', '--config', e2e.configPath, '--wait-seconds', '1'], {
      // A deployment named by the environment, without SLUICE_DETECTIONS_TABLE.
      env: {
        ...e2e.env,
        ...quiet,
        SLUICE_BUCKET: e2e.deployment.bucket,
        SLUICE_OBJECT_QUEUE_URL: e2e.deployment.objects.queueUrl,
      },
      cwd: e2e.dir,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /DETECTIONS_TABLE_MISSING/);
    assert.match(run.stderr, /has no detection table/);
    assert.match(run.stderr, /DetectionsTable output, or name the table with SLUICE_DETECTIONS_TABLE/);
    const alerts: AlertRecord[] = hecAlerts(e2e.hec);
    assert.equal(alerts.length, 3, 'nothing ran');
  });
});
