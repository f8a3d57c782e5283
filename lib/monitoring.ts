import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COLLECTOR_METRICS, COLLECTOR_METRICS_SERVICE } from '../lambda/collector/metrics';
import { DETECTIONS_STAGE, routeSinkName } from '../lambda/core/detections/stage/names';
import { FORWARDER_METRICS_SERVICE, METRICS_NAMESPACE } from '../lambda/forwarder/metrics';
import { pascal } from '../lambda/core/config/spelling';

export interface MonitoredQueue {
  /** Short name used in alarm names, e.g. `Object`, `Ingest`. */
  readonly name: string;
  /** Alarmed when its oldest message is older than `maxMessageAge`. */
  readonly queue: sqs.IQueue;
  /** Alarmed as soon as it holds a message. */
  readonly deadLetterQueue: sqs.IQueue;
}

export interface MonitoredCollector {
  /** The collector's name (the `collector` dimension of its metrics). */
  readonly name: string;
  /** Its function: a crash counts as a failed run. */
  readonly function: lambda.IFunction;
  /** Minutes between runs: the alarms' period, so that every period holds a run. */
  readonly everyMinutes: number;
  /** Alarm when the newest collected event is older than this. */
  readonly lagAlarm: Duration;
}

export interface MonitoringProps {
  /** The forwarder function: alarmed on errors and throttles. */
  readonly forwarder: lambda.IFunction;
  /** Work queues with their DLQs (the object queue, and the ingest queue when there is one). */
  readonly queues: readonly MonitoredQueue[];
  /** Destination names, for per-destination alarms and widgets. */
  readonly destinations: readonly string[];
  /**
   * With ingest: alarm on messages the batcher quarantined and, with the HTTPS endpoint, on its 5xx
   * answers (the queue refused events, the function failed or timed out: producers hold and retry
   * them, and nothing else tells anyone). Default: no ingest.
   */
  readonly ingest?: { readonly endpointApi?: apigwv2.IHttpApi };
  /** Default: no subscription (subscribe to the topic yourself). */
  readonly alarmEmail?: string;
  /** Alarm when the oldest message waits longer than this. Default: 15 minutes. */
  readonly maxMessageAge?: Duration;
  /** Collectors, each alarmed on failed runs and on lag. Default: none. */
  readonly collectors?: readonly MonitoredCollector[];
  /**
   * With detections: the alert routes' names, each alarmed when it refuses an alert for good, and the
   * stage and the routes drawn on the dashboard. A route that fails (channel down, wrong secret) is
   * retried and reaches the object DLQ like any destination: the DLQ alarm covers it. Default: none.
   */
  readonly detections?: {
    readonly routes: readonly string[];
    /**
     * The detection state table: its consumed write and read units drawn beside the records
     * evaluated (on demand, they are what DynamoDB bills: see "What DynamoDB bills" in
     * docs/detections.md). Default: not drawn.
     */
    readonly table?: dynamodb.ITable;
  };
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
      if (props.ingest.endpointApi) {
        this.alarm('IngestEventsRefused', {
          metric: new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'IngestEventsRefused',
            dimensionsMap: { service: 'ingest-endpoint' },
            period: PERIOD,
            statistic: 'Sum',
          }),
          threshold: 1,
          description:
            'The ingest queue refused events the endpoint received (SQS blamed their content); the producer got a 400 and will not retry, so those events are lost: read the endpoint log (errors, refused).',
        });
        // The API's 5xx alarm fires too, but cannot say that the queue, not SQS or the function, is broken.
        this.alarm('IngestEventsBlockedByQueue', {
          metric: new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'IngestEventsBlockedByQueue',
            dimensionsMap: { service: 'ingest-endpoint' },
            period: PERIOD,
            statistic: 'Sum',
          }),
          threshold: 1,
          description:
            "The ingest queue refused events for a reason that is not their content (its KMS key disabled or denying the function, the queue's policy, throttling, or an unknown code); producers got a 503 and retry: read the endpoint log (queueFaults, queueUrl) and fix the queue.",
        });
        this.alarm('IngestEndpointServerErrors', {
          metric: props.ingest.endpointApi.metricServerError({ period: PERIOD, statistic: 'Sum' }),
          threshold: 1,
          description:
            'The ingest endpoint answered 5xx: the ingest queue refused events or the function failed (read its logs); producers hold the events and retry.',
        });
      }
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

    const collectors = props.collectors ?? [];
    for (const collector of collectors) this.alarmCollector(collector);
    const routes = props.detections?.routes ?? [];
    for (const route of routes) {
      // The name itself in the id: unique by validation (a spelling like pascal() could merge two).
      this.alarm(`Route-${route}-Quarantined`, {
        metric: destinationMetric('RecordsQuarantined', routeSinkName(route)),
        threshold: 1,
        description: `Alert route '${route}' refused an alert for good (an invalid payload, a refused event): nobody was notified through it. The alert is in the quarantine prefix with the channel's answer.`,
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
    if (collectors.length > 0) {
      const perCollector = (metricName: string, statistic: string) =>
        collectors.map((collector) =>
          collectorMetric(metricName, collector.name, statistic).with({
            label: `${collector.name} ${metricName}`,
          }),
        );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Collectors: events written, and age of the newest event (s)',
          left: perCollector(COLLECTOR_METRICS.recordsWritten, 'Sum'),
          right: perCollector(COLLECTOR_METRICS.newestEventAge, 'Maximum'),
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Collectors: failed and paused runs',
          left: perCollector(COLLECTOR_METRICS.runsFailed, 'Sum'),
          right: perCollector(COLLECTOR_METRICS.runsPaused, 'Sum'),
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          // A vendor clock running ahead: its events are written, the resume point stays at the run's clock.
          title: 'Collectors: how far ahead of the clock the newest event was stamped (s)',
          left: perCollector(COLLECTOR_METRICS.futureEventSkew, 'Maximum'),
          width: 24,
        }),
      );
    }
    if (props.detections) this.drawDetections(props.detections.routes, props.detections.table);
  }

  /**
   * What the detections stage read and each route handled, the routes' retries and failures, and
   * the state table's consumed capacity.
   */
  private drawDetections(routes: readonly string[], table: dynamodb.ITable | undefined): void {
    const perRoute = (metricName: string) =>
      routes.map((route) =>
        destinationMetric(metricName, routeSinkName(route)).with({ label: `${route} ${metricName}` }),
      );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Detections: records evaluated, alerts handled per route',
        left: [destinationMetric('RecordsDelivered', DETECTIONS_STAGE).with({ label: 'records evaluated' })],
        right: perRoute('RecordsDelivered'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Alert routes: retries, failures, refused alerts',
        left: [...perRoute('Retries'), ...perRoute('RecordsFailed')],
        right: perRoute('RecordsQuarantined'),
        width: 12,
      }),
    );
    if (table) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Detection state: DynamoDB units consumed (what on-demand bills)',
          left: [table.metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: 'Sum' })],
          right: [table.metricConsumedReadCapacityUnits({ period: PERIOD, statistic: 'Sum' })],
          width: 24,
        }),
      );
    }
  }

  /** A failed run (or a crash) raises the collector-failing alarm; an old newest event, the lag alarm. */
  private alarmCollector(collector: MonitoredCollector): void {
    const period = collectorPeriod(collector);
    const suffix = pascal(collector.name);
    this.alarm(`Collector${suffix}Failing`, {
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(errors, 0)',
        usingMetrics: {
          failed: collectorMetric(COLLECTOR_METRICS.runsFailed, collector.name, 'Sum', period),
          errors: collector.function.metricErrors({ period, statistic: 'Sum' }),
        },
        period,
        label: `${collector.name} failed runs`,
      }),
      threshold: 1,
      description: `Collector '${collector.name}' failed (refused credentials, an answer not in the documented shape, the bucket or checkpoint unreachable) and did not advance: read its log for the code, or run sluice status.`,
    });
    this.alarm(`Collector${suffix}Lag`, {
      metric: collectorMetric(COLLECTOR_METRICS.newestEventAge, collector.name, 'Maximum', period),
      threshold: collector.lagAlarm.toSeconds(),
      description: `The newest event collector '${collector.name}' collected is more than ${collector.lagAlarm.toMinutes()} minutes old: it falls behind (throttled, budget too short) or the API brings nothing.`,
    });
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

/** The schedule's interval (at least 5 minutes): each period holds a run. */
function collectorPeriod(collector: MonitoredCollector): Duration {
  return Duration.minutes(Math.max(5, collector.everyMinutes));
}

function collectorMetric(
  metricName: string,
  collector: string,
  statistic: string,
  period: Duration = PERIOD,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: COLLECTOR_METRICS_SERVICE, collector },
    period,
    statistic,
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
