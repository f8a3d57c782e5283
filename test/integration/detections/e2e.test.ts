/**
 * Detections end to end on moto: vendor objects → S3 notification → object queue → the forwarder
 * Lambda's handler (the detections stage beside the HEC destination) → alert objects under
 * sluice/sluice-alerts/ → their notifications → the forwarder again → HEC (their own sourcetype and
 * index) and the alert routes (Slack, PagerDuty, a webhook, the SNS topic), each per level.
 * Redelivered and replayed vendor objects raise nothing new; a route that fails resumes alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { AlertRecord } from '../../../lambda/core/detections/routing/alert-record';
import { pollOnce } from '../../support/event-source';
import { sluice } from '../cli/helpers';
import {
  ALERTS_PREFIX,
  BUCKET,
  activityRecord,
  hecAlerts,
  ndjson,
  prodSession,
  queryRecord,
  startDetectionsE2E,
  vendorKey,
  type DetectionsE2E,
} from './e2e-support';

const HOUR = 3_600_000;

describe('detections end to end (moto, the forwarder Lambda handler, local HEC and alert channels)', () => {
  let e2e: DetectionsE2E;
  // The records' time: now, so that no state is past its time to live; each scenario its own hour.
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const queriesKey = vendorKey('queries', now, 'q-1.json');
  const activitiesKey = vendorKey('activities', now, 'a-1.json');

  before(async () => {
    e2e = await startDetectionsE2E();
  });
  after(async () => {
    await e2e?.stop();
  });

  /** Alert records HEC received, by rule name. */
  const hecAlertRules = () =>
    hecAlerts(e2e.hec)
      .map((alert) => `${alert.status} ${alert.rule.name}`)
      .sort();

  it('raises each alert once, writes it to the bucket, and sends it to HEC and to the routes of its level', async () => {
    await e2e.putObject(
      queriesKey,
      ndjson([
        queryRecord('q-drop', now, { query: 'DROP TABLE customers' }),
        prodSession('q-ssh', new Date(now.getTime() + 1_000)),
        queryRecord('q-select', now, { resourceTags: { env: 'dev' } }),
      ]),
    );
    await e2e.putObject(
      activitiesKey,
      ndjson([
        activityRecord('at-grant', now, 'User added to role'),
        activityRecord('at-login', now, 'user logged into the Admin UI'),
      ]),
    );
    const drained = await e2e.drain();
    assert.equal(drained.failed, 0);

    // Three alerts: one object each, under the alerts folder.
    const keys = await e2e.alertKeys();
    assert.equal(keys.length, 3, keys.join('\n'));
    const written: AlertRecord[] = [];
    for (const key of keys) {
      const { Body } = await e2e.aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const text = await Body!.transformToString();
      assert.equal(text.split('\n').filter(Boolean).length, 1, 'one NDJSON line per alert object');
      const record = JSON.parse(text) as AlertRecord;
      assert.equal(key.slice(key.lastIndexOf('/') + 1), `${record.eventId}.json`);
      written.push(record);
    }
    assert.deepEqual(written.map((alert) => [alert.rule.name, alert.level, alert.status]).sort(), [
      ['sdm_destructive_sql_prod', 'high', 'opened'],
      ['sdm_prod_interactive_session', 'low', 'opened'],
      ['sdm_role_or_permission_grant', 'medium', 'opened'],
    ]);
    const drop = written.find((alert) => alert.rule.name === 'sdm_destructive_sql_prod')!;
    assert.deepEqual(
      drop.records.map((ref) => [ref.id, ref.location]),
      [['q-drop', `s3://${BUCKET}/${queriesKey}`]],
    );

    // HEC: every vendor record in its index, and every alert once, as sluice:sluice-alerts in its own.
    const vendor = e2e.hec.events.filter((event) => event.sourcetype !== 'sluice:sluice-alerts');
    assert.deepEqual(vendor.map((event) => `${event.sourcetype} ${event.index}`).sort(), [
      'strongdm:activities security',
      'strongdm:activities security',
      'strongdm:queries security',
      'strongdm:queries security',
      'strongdm:queries security',
    ]);
    const alerts = hecAlerts(e2e.hec);
    assert.deepEqual(
      alerts.map((alert) => alert.index),
      ['alerts', 'alerts', 'alerts'],
    );
    assert.deepEqual(hecAlertRules(), [
      'opened sdm_destructive_sql_prod',
      'opened sdm_prod_interactive_session',
      'opened sdm_role_or_permission_grant',
    ]);
    const dropAtHec = e2e.hec.events.find((event) => (event.event as AlertRecord).eventId === drop.eventId)!;
    assert.equal(dropAtHec.source, `s3://${BUCKET}/${keys.find((key) => key.includes(drop.eventId))}`);

    // Slack takes medium and above, PagerDuty high and above, the webhook low only, SNS low and above.
    assert.deepEqual(e2e.slack.messages.map((message) => message.text).sort(), [
      'HIGH: Destructive SQL on a production resource',
      'MEDIUM: Role or permission granted in StrongDM',
    ]);
    assert.deepEqual(
      e2e.pagerDuty.events.map((event) => [event.event_action, event.dedup_key, event.payload?.severity]),
      [['trigger', drop.dedupKey, 'error']],
    );
    assert.deepEqual(
      e2e.webhook.received.map((received) => [
        (received.body as unknown as AlertRecord).rule.name,
        (received.body as unknown as AlertRecord).status,
      ]),
      [['sdm_prod_interactive_session', 'opened']],
    );
    const published = await e2e.snsMessages();
    assert.deepEqual(published.map((envelope) => envelope.Subject).sort(), [
      '[sluice] HIGH: Destructive SQL on a production resource',
      '[sluice] LOW: Interactive session on a production resource',
      '[sluice] MEDIUM: Role or permission granted in StrongDM',
    ]);
    assert.equal(await e2e.deadLetters(), 0);
  });

  it('raises nothing new when the same object messages are delivered again', async () => {
    const vendorMessages = e2e.bodies.filter((body) => keysOf(body)[0]?.startsWith('sdm/logs/'));
    assert.equal(vendorMessages.length, 2, "moto's notifications of the two vendor objects");
    const before = {
      keys: await e2e.alertKeys(),
      hec: e2e.hec.events.length,
      slack: e2e.slack.messages.length,
      pagerDuty: e2e.pagerDuty.events.length,
      webhook: e2e.webhook.received.length,
    };
    for (const body of vendorMessages) {
      await e2e.aws.sqs.send(
        new SendMessageCommand({ QueueUrl: e2e.deployment.objects.queueUrl, MessageBody: body }),
      );
    }
    const drained = await e2e.drain();
    assert.equal(drained.failed, 0);
    assert.equal(drained.received, 2, 'the two redelivered messages, and no alert object notification');

    assert.deepEqual(await e2e.alertKeys(), before.keys, 'no new alert object');
    // HEC has no ids: the vendor records arrive again (at least once), the alerts do not.
    assert.equal(e2e.hec.events.length, before.hec + 5);
    assert.equal(hecAlerts(e2e.hec).length, 3);
    assert.equal(e2e.slack.messages.length, before.slack, 'no second Slack message');
    assert.equal(e2e.pagerDuty.events.length, before.pagerDuty);
    assert.equal(e2e.webhook.received.length, before.webhook);
    assert.deepEqual(await e2e.snsMessages(), []);
  });

  it('raises nothing new when the range is replayed (sluice replay, through the queue)', async () => {
    const before = {
      keys: await e2e.alertKeys(),
      hec: e2e.hec.events.length,
      slack: e2e.slack.messages.length,
    };
    const minute = (at: Date) => at.toISOString().slice(0, 16) + 'Z';
    const replay = await sluice(
      [
        'replay',
        '--json',
        '--config',
        e2e.configPath,
        '--source',
        'strongdm',
        '--from',
        minute(now),
        '--to',
        minute(new Date(now.getTime() + 60_000)),
        '--checkpoint',
        `${e2e.dir}/replay-checkpoint.json`,
      ],
      { env: e2e.env, cwd: e2e.dir },
    );
    assert.equal(replay.code, 0, replay.stderr);
    const drained = await e2e.drain();
    assert.equal(drained.failed, 0);
    assert.equal(drained.received, 2, 'the two replayed objects, and no alert object notification');

    assert.deepEqual(await e2e.alertKeys(), before.keys, 'no new alert object');
    assert.equal(e2e.hec.events.length, before.hec + 5);
    assert.equal(hecAlerts(e2e.hec).length, 3);
    assert.equal(e2e.slack.messages.length, before.slack, 'no second Slack message');
    assert.deepEqual(await e2e.snsMessages(), []);
  });

  it('resumes only the route that failed: the webhook answers 503 (Retry-After past the deadline), then 200', async () => {
    // An hour earlier: a period of its own, so the session opens an alert again.
    const at = new Date(now.getTime() - HOUR);
    const key = vendorKey('queries', at, 'q-2.json');
    e2e.webhook.injectFaults({
      status: 503,
      body: '{"error":"maintenance"}',
      headers: { 'retry-after': '3600' },
    });
    const before = {
      hec: e2e.hec.events.length,
      received: e2e.webhook.received.length,
      requests: e2e.webhook.counters.requests,
    };
    await e2e.putObject(key, ndjson([prodSession('q-ssh-2', at)]));
    // The vendor object's message, then the alert object's, until the webhook has answered 503.
    let handled = 0;
    for (let polls = 0; e2e.webhook.counters.requests === before.requests && polls < 100; polls += 1) {
      const polled = await pollOnce(e2e.aws.sqs, e2e.deployment.objects.queueUrl, e2e.handler, {
        batchSize: 1,
        waitSeconds: 1,
        remainingMs: 120_000,
      });
      assert.equal(polled.failed, 0, 'the alert object continued in a new message rather than failing');
      handled += polled.received;
    }
    assert.equal(handled, 2, 'the vendor object, then the alert object it wrote');
    // This environment now holds the webhook for an hour (its Retry-After): the continuation is
    // taken by another one, which has not been told.
    e2e.newEnvironment();
    const drained = await e2e.drain();
    assert.equal(drained.failed, 0);

    const session = e2e.webhook.received.slice(before.received);
    assert.equal(session.length, 1, 'the alert reached the webhook once');
    assert.equal((session[0].body as unknown as AlertRecord).records[0].id, 'q-ssh-2');
    assert.equal(e2e.webhook.counters.requests - before.requests, 2, 'a 503, then a 200');
    // HEC took the vendor record and the alert exactly once: the continuation resumed the webhook only.
    const received = e2e.hec.events.slice(before.hec);
    assert.deepEqual(received.map((event) => event.sourcetype).sort(), [
      'sluice:sluice-alerts',
      'strongdm:queries',
    ]);
    assert.deepEqual(
      (await e2e.snsMessages()).map((envelope) => envelope.Subject),
      ['[sluice] LOW: Interactive session on a production resource'],
    );
    assert.equal(await e2e.deadLetters(), 0);
  });

  it("forwards an alert object named by S3's own notification of a versioned bucket (versionId, eTag, sequencer)", async () => {
    const at = new Date(now.getTime() - 2 * HOUR);
    const key = vendorKey('activities', at, 'a-2.json');
    const before = {
      hec: e2e.hec.events.length,
      slack: e2e.slack.messages.length,
      keys: await e2e.alertKeys(),
    };
    await e2e.putObject(key, ndjson([activityRecord('at-grant-2', at, 'access request approved')]));
    // The vendor object's message only: the alert object it writes is notified by moto, without versionId.
    let forwarded = 0;
    for (let polls = 0; forwarded === 0 && polls < 100; polls += 1) {
      forwarded = (
        await pollOnce(e2e.aws.sqs, e2e.deployment.objects.queueUrl, e2e.handler, {
          batchSize: 1,
          waitSeconds: 1,
          remainingMs: 120_000,
        })
      ).received;
    }
    const [alertKey] = (await e2e.alertKeys()).filter((written) => !before.keys.includes(written));
    assert.ok(alertKey?.startsWith(ALERTS_PREFIX), 'the stage wrote the alert object');
    const moto = await e2e.takeMessages();
    assert.deepEqual(
      moto.flatMap((message) => keysOf(message.Body!)),
      [alertKey],
      "moto's notification of the alert object, replaced below by S3's own",
    );
    const head = await e2e.aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: alertKey }));
    assert.ok(head.VersionId, 'the bucket is versioned');
    await e2e.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: e2e.deployment.objects.queueUrl,
        MessageBody: s3Notification({
          key: alertKey,
          size: head.ContentLength!,
          eTag: head.ETag!.replace(/"/g, ''),
          versionId: head.VersionId,
        }),
      }),
    );
    const drained = await e2e.drain();
    assert.equal(drained.failed, 0);
    assert.equal(drained.received, 1);

    assert.deepEqual(
      e2e.slack.messages.slice(before.slack).map((message) => message.text),
      ['MEDIUM: Role or permission granted in StrongDM'],
    );
    const atHec = e2e.hec.events
      .slice(before.hec)
      .filter((event) => event.sourcetype === 'sluice:sluice-alerts');
    assert.deepEqual(
      atHec.map((event) => [event.source, event.index]),
      [[`s3://${BUCKET}/${alertKey}`, 'alerts']],
    );
    assert.equal(await e2e.deadLetters(), 0);
  });
});

interface S3Event {
  readonly Records?: readonly { readonly s3: { readonly object: { readonly key: string } } }[];
}

/** The object keys an S3 notification names, decoded (moto escapes even the slashes). */
function keysOf(body: string): string[] {
  return ((JSON.parse(body) as S3Event).Records ?? []).map((record) =>
    decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
  );
}

/** An ObjectCreated notification as S3 documents it (event structure 2.1) for a versioned bucket. */
function s3Notification(object: { key: string; size: number; eTag: string; versionId: string }): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AROA4QWKES4Y7EXAMPLE:sluice-forwarder' },
        requestParameters: { sourceIPAddress: '203.0.113.10' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'sluice-sluice',
          bucket: {
            name: BUCKET,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${BUCKET}`,
          },
          object: {
            // URL-encoded as S3 writes keys (an alert object's name needs no escaping).
            key: encodeURIComponent(object.key).replace(/%2F/g, '/'),
            size: object.size,
            eTag: object.eTag,
            versionId: object.versionId,
            sequencer: '0065BBE8DD2A6F4C1D',
          },
        },
      },
    ],
  });
}
