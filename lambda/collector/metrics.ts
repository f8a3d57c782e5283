import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CollectorObserver } from '../core/collectors/engine';
import type { RunOutcome } from '../core/collectors/types';
import { METRICS_NAMESPACE } from '../forwarder/metrics';

/** The `service` dimension of every collector metric; alarms and the dashboard select on it. */
export const COLLECTOR_METRICS_SERVICE = 'collector';

/** Metric names the alarms key on (lib/monitoring.ts): never rename one. */
export const COLLECTOR_METRICS = {
  /** 1 for a run that ended `failed` (auth, bad answer, storage): the collector-failing alarm. */
  runsFailed: 'CollectorRunsFailed',
  /** Seconds between the end of the run and the newest event ever collected: the lag alarm. */
  newestEventAge: 'CollectorNewestEventAge',
  recordsWritten: 'CollectorRecordsWritten',
  objectsWritten: 'CollectorObjectsWritten',
  pagesFetched: 'CollectorPagesFetched',
  /** 1 for a run that ended early (budget spent, throttled, API down): the next run continues. */
  runsPaused: 'CollectorRunsPaused',
  /**
   * Seconds a written event was stamped ahead of the run's clock (the vendor's clock runs fast), on
   * runs that wrote one: the age above can only say 0 for such an event.
   */
  futureEventSkew: 'CollectorFutureEventSkew',
} as const;

/** Counts one run and publishes it once at the end, with the dimension `collector`. */
export class CollectorMetrics implements CollectorObserver {
  private pages = 0;

  constructor(private readonly collector: string) {}

  pageFetched(): void {
    this.pages += 1;
  }

  publish(outcome: RunOutcome, now: number): void {
    const metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: COLLECTOR_METRICS_SERVICE,
      defaultDimensions: { collector: this.collector },
    });
    metrics.addMetric(COLLECTOR_METRICS.runsFailed, MetricUnit.Count, outcome.status === 'failed' ? 1 : 0);
    metrics.addMetric(COLLECTOR_METRICS.runsPaused, MetricUnit.Count, outcome.status === 'paused' ? 1 : 0);
    metrics.addMetric(COLLECTOR_METRICS.recordsWritten, MetricUnit.Count, outcome.recordsWritten);
    metrics.addMetric(COLLECTOR_METRICS.objectsWritten, MetricUnit.Count, outcome.objectsWritten);
    metrics.addMetric(COLLECTOR_METRICS.pagesFetched, MetricUnit.Count, this.pages);
    const age = newestEventAgeSeconds(outcome, now);
    if (age !== undefined) metrics.addMetric(COLLECTOR_METRICS.newestEventAge, MetricUnit.Seconds, age);
    const skew = futureSkewSeconds(outcome);
    if (skew !== undefined) metrics.addMetric(COLLECTOR_METRICS.futureEventSkew, MetricUnit.Seconds, skew);
    metrics.publishStoredMetrics();
  }
}

/**
 * How old the newest collected event is; undefined before the first event (a skipped run knows
 * nothing: the run holding the lease reports it). Runs never record a newest time past their clock
 * (a future event counts as "now", and ages from there), so 0 means "an event arrived just now".
 */
export function newestEventAgeSeconds(outcome: RunOutcome, now: number): number | undefined {
  if (!outcome.newestEventAt) return undefined;
  return Math.max(0, Math.round((now - Date.parse(outcome.newestEventAt)) / 1000));
}

/** How far ahead of the clock the run's newest event was stamped, in whole seconds (at least 1); undefined if none was. */
export function futureSkewSeconds(outcome: RunOutcome): number | undefined {
  if (outcome.futureSkewMs === undefined) return undefined;
  return Math.max(1, Math.round(outcome.futureSkewMs / 1000));
}
