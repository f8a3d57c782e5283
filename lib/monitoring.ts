import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FORWARDER_METRICS_SERVICE, METRICS_NAMESPACE } from '../lambda/forwarder/metrics';

export interface MonitoredQueue {
  /** Short name used in alarm names, e.g. `Object`, `Ingest`. */
  readonly name: string;
  /** Alarmed when its oldest message is older than `maxMessageAge`. */
  readonly queue: sqs.IQueue;
  /** Alarmed as soon as it holds a message. */
  readonly deadLetterQueue: sqs.IQueue;
}

export interface MonitoringProps {
  /** The forwarder function: alarmed on errors and throttles. */
  readonly forwarder: lambda.IFunction;
  /** Work queues with their DLQs (the object queue, and the ingest queue when there is one). */
  readonly queues: readonly MonitoredQueue[];
  /** Destination names, for per-destination alarms and widgets. */
  readonly destinations: readonly string[];
  /** Alarm on ingest messages quarantined by the batcher. Default: false (no ingest). */
  readonly ingest?: boolean;
  /** Default: no subscription (subscribe to the topic yourself). */
  readonly alarmEmail?: string;
  /** Alarm when the oldest message waits longer than this. Default: 15 minutes. */
  readonly maxMessageAge?: Duration;
}

const PERIOD = Duration.minutes(5);

/**
 * What tells an operator that records are not flowing: a message in any DLQ, a growing backlog,
 * forwarder errors or throttles, quarantined records and refused credentials, each an alarm on one
 * SNS topic; and a dashboard of throughput, latency, retries and backlog per destination.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', { displayName: 'sluice alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const maxAge = props.maxMessageAge ?? Duration.minutes(15);

    for (const { name, queue, deadLetterQueue } of props.queues) {
      this.alarm(`${name}DeadLetters`, {
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
        }),
        threshold: 1,
        description: `Messages in the ${name.toLowerCase()} DLQ: they were retried until maxReceiveCount and need an operator (sluice status, then sluice redrive).`,
      });
      this.alarm(`${name}Backlog`, {
        metric: queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
        threshold: maxAge.toSeconds(),
        description: `The oldest ${name.toLowerCase()} queue message waited more than ${maxAge.toMinutes()} minutes: the consumer is slow, throttled or failing.`,
      });
    }
    this.alarm('ForwarderErrors', {
      metric: props.forwarder.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      threshold: 1,
      description: 'The forwarder crashed (not a per-message failure): read its logs.',
    });
    this.alarm('ForwarderThrottles', {
      metric: props.forwarder.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      threshold: 1,
      description: 'The forwarder was throttled: raise its reserved concurrency or the account limit.',
    });
    this.alarm('MessagesFailed', {
      metric: forwarderMetric('MessagesFailed'),
      threshold: 1,
      description:
        'Notifications failed and will be retried (then reach the DLQ): a destination is down or refusing.',
    });
    this.alarm('RecordsUnreadable', {
      metric: forwarderMetric('RecordsUnreadable'),
      threshold: 1,
      description:
        'Records that are not valid JSON or too large were quarantined: see the quarantine prefix.',
    });
    if (props.ingest) {
      this.alarm('IngestMessagesQuarantined', {
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'IngestMessagesQuarantined',
          dimensionsMap: { service: 'ingest-batcher' },
          period: PERIOD,
          statistic: 'Sum',
        }),
        threshold: 1,
        description:
          'The batcher quarantined ingest messages it can never write (not JSON, bad log type): a producer sends bad events.',
      });
    }
    for (const destination of props.destinations) {
      const suffix = destination.replace(/[^A-Za-z0-9]/g, '');
      this.alarm(`Quarantined${suffix}`, {
        metric: destinationMetric('RecordsQuarantined', destination),
        threshold: 1,
        description: `Destination '${destination}' refused records for good; they were quarantined with its answer.`,
      });
      this.alarm(`AuthFailures${suffix}`, {
        metric: destinationMetric('AuthFailures', destination),
        threshold: 1,
        description: `Destination '${destination}' refused sluice's credentials (401/403) even after re-reading the secret: rotate or fix the token.`,
      });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    const perDestination = (metricName: string, statistic = 'Sum') =>
      props.destinations.map((destination) =>
        destinationMetric(metricName, destination, statistic).with({ label: `${destination} ${metricName}` }),
      );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Records delivered per destination',
        left: perDestination('RecordsDelivered'),
        right: [forwarderMetric('RecordsRead')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Request latency (p99) per destination',
        left: perDestination('RequestLatency', 'p99'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Retries and failures per destination',
        left: [...perDestination('Retries'), ...perDestination('RecordsFailed')],
        right: perDestination('RecordsQuarantined'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Backlog: oldest message age (s) and DLQ depth',
        left: props.queues.map(({ queue }) =>
          queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' }),
        ),
        right: props.queues.map(({ deadLetterQueue }) =>
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Forwarder errors, throttles, failed messages',
        left: [
          props.forwarder.metricErrors({ period: PERIOD }),
          props.forwarder.metricThrottles({ period: PERIOD }),
          forwarderMetric('MessagesFailed'),
          forwarderMetric('Continuations'),
        ],
        width: 24,
      }),
    );
  }

  private alarm(
    id: string,
    options: { metric: cloudwatch.IMetric; threshold: number; description: string },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

function forwarderMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: FORWARDER_METRICS_SERVICE },
    period: PERIOD,
    statistic: 'Sum',
  });
}

function destinationMetric(metricName: string, destination: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: FORWARDER_METRICS_SERVICE, destination },
    period: PERIOD,
    statistic,
  });
}
