import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configWith, synthesize } from './synth';

describe('monitoring', () => {
  const { template } = synthesize(
    configWith({
      monitoring: { alarmEmail: 'secops@example.com', maxMessageAgeMinutes: 30 },
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        { name: 'apps', prefix: 'apps/logs', ingest: { defaultLogType: 'app' } },
      ],
    }),
  );
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties,
  );
  const byMetric = (name: string) => alarms.filter((alarm) => alarm.MetricName === name);

  it('alarms on any message in either DLQ', () => {
    const deadLetters = byMetric('ApproximateNumberOfMessagesVisible');
    assert.equal(deadLetters.length, 2);
    for (const alarm of deadLetters) {
      assert.equal(alarm.Threshold, 1);
      assert.equal(alarm.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    }
  });

  it('alarms when the oldest message waits longer than configured', () => {
    const backlog = byMetric('ApproximateAgeOfOldestMessage');
    assert.equal(backlog.length, 2);
    assert.ok(backlog.every((alarm) => alarm.Threshold === 30 * 60));
  });

  it('alarms on forwarder errors, throttles, failed messages, unreadable records and quarantined ingest messages', () => {
    for (const name of [
      'Errors',
      'Throttles',
      'MessagesFailed',
      'RecordsUnreadable',
      'IngestMessagesQuarantined',
    ]) {
      assert.equal(byMetric(name).length, 1, name);
    }
  });

  it('alarms on events the ingest queue refused, which the producer was told not to retry', () => {
    const [alarm] = byMetric('IngestEventsRefused');
    assert.equal(alarm.Namespace, 'Sluice');
    assert.equal(alarm.Threshold, 1);
    assert.deepEqual(alarm.Dimensions, [{ Name: 'service', Value: 'ingest-endpoint' }]);
  });

  it('alarms on events the ingest queue refused for a reason that is not their content (its key, policy, rate)', () => {
    const [alarm] = byMetric('IngestEventsBlockedByQueue');
    assert.equal(alarm.Namespace, 'Sluice');
    assert.equal(alarm.Statistic, 'Sum');
    assert.equal(alarm.Threshold, 1);
    assert.deepEqual(alarm.Dimensions, [{ Name: 'service', Value: 'ingest-endpoint' }]);
    assert.match(alarm.AlarmDescription, /KMS key/);
  });

  it("alarms on the ingest endpoint's 5xx answers, which producers retry without telling anyone", () => {
    const [alarm] = byMetric('5xx');
    assert.equal(alarm.Namespace, 'AWS/ApiGateway');
    assert.equal(alarm.Statistic, 'Sum');
    assert.equal(alarm.Threshold, 1);
    assert.deepEqual(
      alarm.Dimensions.map((dimension: { Name: string }) => dimension.Name),
      ['ApiId'],
    );
  });

  it('alarms per destination on quarantined records and authentication failures', () => {
    for (const name of ['RecordsQuarantined', 'AuthFailures']) {
      const [alarm] = byMetric(name);
      assert.equal(alarm.Namespace, 'Sluice');
      assert.deepEqual(alarm.Dimensions, [
        { Name: 'destination', Value: 'splunk' },
        { Name: 'service', Value: 'forwarder' },
      ]);
    }
  });

  it('sends every alarm and its recovery to one topic with the e-mail subscribed', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of alarms) {
      assert.deepEqual(alarm.AlarmActions, [{ Ref: topicId }]);
      assert.deepEqual(alarm.OKActions, [{ Ref: topicId }]);
      assert.equal(alarm.TreatMissingData, 'notBreaching');
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });

  it('draws throughput, latency, retries and backlog per destination', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of ['RecordsDelivered', 'RequestLatency', 'Retries', 'ApproximateAgeOfOldestMessage']) {
      assert.match(body, new RegExp(metric));
    }
    assert.match(body, /p99/);
  });
});
