import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ForwardSummary } from '../core/forward/forward-object';
import type { SinkObserver } from '../core/sinks/types';

export const METRICS_NAMESPACE = 'Sluice';
/** The `service` dimension of every forwarder metric; alarms and the dashboard select on it. */
export const FORWARDER_METRICS_SERVICE = 'forwarder';

interface DestinationCounters {
  requests: number;
  requestErrors: number;
  bytesSent: number;
  retries: number;
  authFailures: number;
  lookedUp: number;
  alreadyIndexed: number;
  lookupsSkipped: number;
  duplicates: number;
  acksDistrusted: number;
  delivered: number;
  quarantined: number;
  failed: number;
  latencies: number[];
}

function emptyCounters(): DestinationCounters {
  return {
    requests: 0,
    requestErrors: 0,
    bytesSent: 0,
    retries: 0,
    authFailures: 0,
    lookedUp: 0,
    alreadyIndexed: 0,
    lookupsSkipped: 0,
    duplicates: 0,
    acksDistrusted: 0,
    delivered: 0,
    quarantined: 0,
    failed: 0,
    latencies: [],
  };
}

/** EMF keeps at most 100 values per metric and line. */
const MAX_LATENCY_SAMPLES = 100;

/**
 * Counts what happens during one invocation and publishes it once at the end: one EMF line for the
 * function and one per destination (dimension `destination`), so cost stays flat with traffic.
 */
export class ForwarderMetrics implements SinkObserver {
  private readonly perDestination = new Map<string, DestinationCounters>();
  private objects = 0;
  private records = 0;
  private bytes = 0;
  private unreadable = 0;
  private messagesFailed = 0;
  private continuations = 0;

  constructor(private readonly serviceName = FORWARDER_METRICS_SERVICE) {}

  private counters(destination: string): DestinationCounters {
    let counters = this.perDestination.get(destination);
    if (!counters) {
      counters = emptyCounters();
      this.perDestination.set(destination, counters);
    }
    return counters;
  }

  request(
    destination: string,
    info: { status: number | 'network-error'; bytes: number; durationMs: number },
  ): void {
    const counters = this.counters(destination);
    counters.requests += 1;
    counters.bytesSent += info.bytes;
    if (info.status === 'network-error' || info.status >= 400) counters.requestErrors += 1;
    if (counters.latencies.length < MAX_LATENCY_SAMPLES) counters.latencies.push(info.durationMs);
  }

  retry(destination: string): void {
    this.counters(destination).retries += 1;
  }

  authFailure(destination: string): void {
    this.counters(destination).authFailures += 1;
  }

  rolloverLookup(
    destination: string,
    info: { checked: number; found: number; unchecked: number; duplicates?: number },
  ): void {
    const counters = this.counters(destination);
    counters.lookedUp += info.checked;
    counters.alreadyIndexed += info.found;
    counters.lookupsSkipped += info.unchecked;
    counters.duplicates += info.duplicates ?? 0;
  }

  acknowledgementDistrusted(destination: string): void {
    this.counters(destination).acksDistrusted += 1;
  }

  object(summary: ForwardSummary): void {
    this.objects += 1;
    this.records += summary.records;
    this.bytes += summary.bytes;
    this.unreadable += summary.unreadable;
    for (const [destination, tally] of Object.entries(summary.destinations)) {
      const counters = this.counters(destination);
      counters.delivered += tally.delivered;
      counters.quarantined += tally.rejected;
      counters.failed += tally.failed;
    }
  }

  messageFailed(): void {
    this.messagesFailed += 1;
  }

  continuationsSent(count: number): void {
    this.continuations += count;
  }

  publish(): void {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: this.serviceName });
    metrics.addMetric('ObjectsForwarded', MetricUnit.Count, this.objects);
    metrics.addMetric('RecordsRead', MetricUnit.Count, this.records);
    metrics.addMetric('BytesRead', MetricUnit.Bytes, this.bytes);
    metrics.addMetric('RecordsUnreadable', MetricUnit.Count, this.unreadable);
    metrics.addMetric('MessagesFailed', MetricUnit.Count, this.messagesFailed);
    metrics.addMetric('Continuations', MetricUnit.Count, this.continuations);
    metrics.publishStoredMetrics();
    for (const [destination, counters] of this.perDestination) {
      const perDestination = new Metrics({
        namespace: METRICS_NAMESPACE,
        serviceName: this.serviceName,
        defaultDimensions: { destination },
      });
      perDestination.addMetric('RecordsDelivered', MetricUnit.Count, counters.delivered);
      perDestination.addMetric('RecordsQuarantined', MetricUnit.Count, counters.quarantined);
      perDestination.addMetric('RecordsFailed', MetricUnit.Count, counters.failed);
      perDestination.addMetric('Requests', MetricUnit.Count, counters.requests);
      perDestination.addMetric('RequestErrors', MetricUnit.Count, counters.requestErrors);
      perDestination.addMetric('BytesSent', MetricUnit.Bytes, counters.bytesSent);
      perDestination.addMetric('Retries', MetricUnit.Count, counters.retries);
      perDestination.addMetric('AuthFailures', MetricUnit.Count, counters.authFailures);
      // Elasticsearch only, and only when something happened: other destinations publish no zeros.
      if (counters.lookedUp + counters.lookupsSkipped + counters.duplicates > 0) {
        perDestination.addMetric('RolloverLookups', MetricUnit.Count, counters.lookedUp);
        perDestination.addMetric('RecordsAlreadyIndexed', MetricUnit.Count, counters.alreadyIndexed);
        perDestination.addMetric('RolloverLookupsSkipped', MetricUnit.Count, counters.lookupsSkipped);
        perDestination.addMetric('RolloverDuplicates', MetricUnit.Count, counters.duplicates);
      }
      // Splunk HEC with acknowledgements only, and only when it happened.
      if (counters.acksDistrusted > 0)
        perDestination.addMetric('AcknowledgementsDistrusted', MetricUnit.Count, counters.acksDistrusted);
      for (const latency of counters.latencies) {
        perDestination.addMetric('RequestLatency', MetricUnit.Milliseconds, latency);
      }
      perDestination.publishStoredMetrics();
    }
  }
}
