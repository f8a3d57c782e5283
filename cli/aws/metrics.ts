import {
  GetMetricStatisticsCommand,
  type CloudWatchClient,
  type Dimension,
} from '@aws-sdk/client-cloudwatch';

export interface MetricQuery {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  readonly since: Date;
  readonly until: Date;
  readonly statistic: 'Sum' | 'Maximum';
  /** How datapoints combine: `total` (sum of sums), `latest` (the newest datapoint). Default: total. */
  readonly combine?: 'total' | 'latest';
}

/**
 * One statistic over a window from CloudWatch, or `undefined` when CloudWatch has no datapoint (no
 * traffic yet, a local endpoint without metrics) or refuses (no `cloudwatch:GetMetricStatistics`).
 */
export async function metricStatistic(
  cloudWatch: CloudWatchClient,
  query: MetricQuery,
): Promise<number | undefined> {
  try {
    const windowSeconds = Math.max(60, Math.ceil((query.until.getTime() - query.since.getTime()) / 1000));
    const response = await cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: query.namespace,
        MetricName: query.metricName,
        Dimensions: [...query.dimensions],
        StartTime: query.since,
        EndTime: query.until,
        // One period per minute, so recent datapoints are not averaged away.
        Period: Math.min(60, windowSeconds),
        Statistics: [query.statistic],
      }),
    );
    const points = (response.Datapoints ?? [])
      .filter((point) => point[query.statistic] !== undefined)
      .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0));
    if (points.length === 0) return undefined;
    if (query.combine === 'latest') return points[points.length - 1][query.statistic];
    return points.reduce((total, point) => total + (point[query.statistic] ?? 0), 0);
  } catch {
    return undefined;
  }
}

/** SQS's `ApproximateAgeOfOldestMessage` (seconds) over the last five minutes, when CloudWatch has it. */
export function oldestMessageAgeSeconds(
  cloudWatch: CloudWatchClient,
  queueName: string,
  now: Date = new Date(),
): Promise<number | undefined> {
  return metricStatistic(cloudWatch, {
    namespace: 'AWS/SQS',
    metricName: 'ApproximateAgeOfOldestMessage',
    dimensions: [{ Name: 'QueueName', Value: queueName }],
    since: new Date(now.getTime() - 5 * 60_000),
    until: now,
    statistic: 'Maximum',
    combine: 'latest',
  });
}
