import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AlertDocument } from '../../../../lambda/core/detections/alerts/document';
import { readAlertRecord } from '../../../../lambda/core/detections/routing/alert-record';
import {
  alertObject,
  alertObjectKey,
  alertObjectName,
  occurrencesShown,
} from '../../../../lambda/core/detections/stage/alert-object';
import { ALERTS_LOG_TYPE, routeSinkName } from '../../../../lambda/core/detections/stage/names';
import { classifyKey } from '../../../../lambda/core/layout/key-layout';

const alert: AlertDocument = {
  alertId: 'QmFzZTY0dXJsU2hhMjU2AA',
  dedupKey: 'sdm_query_burst|["a-1"]|2024-02-01T13:00:00.000Z',
  status: 'opened',
  rule: {
    key: 'sdm_query_burst',
    name: 'sdm_query_burst',
    title: 'burst',
    type: 'event_count',
    file: 'b.yml',
  },
  level: 'medium',
  tags: [],
  attack: { tactics: [], techniques: [] },
  group: { actorAccountID: 'a-1' },
  count: 100,
  threshold: { comparison: 'gte', value: 100, timespanMs: 60_000 },
  firstEventTime: '2024-02-01T13:20:00.000Z',
  lastEventTime: '2024-02-01T13:20:50.000Z',
  occurrences: 100,
  period: { start: '2024-02-01T13:00:00.000Z', end: '2024-02-01T14:00:00.000Z' },
  records: [
    { id: 'q1', location: 's3://logs/sdm/queries/a.json', offset: 0, eventTime: '2024-02-01T13:20:00.000Z' },
  ],
  omittedRecords: 99,
  samples: [{ query: 'select 1' }],
  openedBy: 'q1',
  detectedAt: '2024-02-01T13:21:00.000Z',
};

const base64urlSha256 = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

describe('alert objects', () => {
  it('are named by the alert for an opening, by the alert and the step its count reached for an update', () => {
    assert.equal(
      alertObjectName({ status: 'opened' }, alert.dedupKey),
      base64urlSha256(`opened|${alert.dedupKey}`),
    );
    assert.equal(
      alertObjectName({ status: 'updated', step: 100 }, alert.dedupKey),
      base64urlSha256(`updated|${alert.dedupKey}|100`),
    );
    assert.notEqual(
      alertObjectName({ status: 'updated', step: 200 }, alert.dedupKey),
      alertObjectName({ status: 'updated', step: 100 }, alert.dedupKey),
    );
    assert.match(alertObjectName({ status: 'updated', step: 2 }, alert.dedupKey), /^[A-Za-z0-9_-]{22}$/);
  });

  it('name an update by its step whatever the running count, and keep the count in the body', () => {
    const at = (occurrences: number) =>
      alertObject('sluice', { status: 'updated', step: 100 }, { ...alert, occurrences });
    // Two invocations reaching the step with different counts write one object.
    assert.equal(at(103).key, at(117).key);
    assert.equal((JSON.parse(at(117).body) as { occurrences: number }).occurrences, 117);
  });

  it('are keyed by the period start under the alerts prefix, where the alerts source reads them as sluice-alerts', () => {
    const { key, name } = alertObject('sluice', { status: 'opened' }, alert);
    assert.equal(key, `sluice/sluice-alerts/2024/02/01/13/00/${name}.json`);
    assert.equal(
      alertObjectKey('org/alerts/', Date.UTC(2024, 0, 9, 5, 30), 'n'),
      'org/alerts/sluice-alerts/2024/01/09/05/30/n.json',
    );
    const sources = [{ name: 'sluice', prefix: 'sluice' }];
    const where = classifyKey(key, sources);
    assert.deepEqual(where, { kind: 'record-object', source: sources[0], logType: ALERTS_LOG_TYPE });
  });

  it('hold the document on one line with its eventId and the event status, as routing reads it', () => {
    const { body, name } = alertObject('sluice', { status: 'updated', step: 100 }, alert);
    assert.equal(body.indexOf('\n'), body.length - 1);
    const reading = readAlertRecord(JSON.parse(body));
    assert.ok(reading.ok, reading.ok ? '' : reading.problem);
    assert.equal(reading.alert.eventId, name);
    assert.equal(reading.alert.status, 'updated', "the event's status, not the document's");
    assert.deepEqual(
      { ...reading.alert, eventId: undefined, status: undefined },
      {
        ...alert,
        eventId: undefined,
        status: undefined,
      },
    );
  });

  it('drop their samples rather than exceed the size the forwarder reads back', () => {
    const big = { ...alert, samples: [{ query: 'x'.repeat(300_000) }] };
    const { body } = alertObject('sluice', { status: 'opened' }, big);
    assert.ok(Buffer.byteLength(body) < 64 * 1024);
    const reading = readAlertRecord(JSON.parse(body));
    assert.ok(reading.ok);
    assert.deepEqual(reading.alert.samples, []);
    assert.deepEqual(
      JSON.parse(alertObject('sluice', { status: 'opened' }, alert, 1 << 20).body).samples,
      alert.samples,
    );
  });

  it('go to routes whose progress keys cannot be a destination name', () => {
    assert.equal(routeSinkName('pager'), 'route:pager');
  });

  it('tell the count they show when read back (an opening found written), and nothing when not an alert', () => {
    assert.equal(occurrencesShown(alertObject('sluice', { status: 'opened' }, alert).body), 100);
    assert.equal(occurrencesShown(alertObject('sluice', { status: 'opened' }, alert, 100).body), 100);
    for (const body of ['', '{"occurrences":', 'null', '7', '{"occurrences":"100"}', '{"occurrences":-1}'])
      assert.equal(occurrencesShown(body), undefined, body);
  });
});
