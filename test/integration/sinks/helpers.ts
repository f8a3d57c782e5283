import {
  elasticsearchDestination,
  httpsDestination,
  splunkHecDestination,
  type ElasticsearchDestinationConfig,
  type HttpsDestinationConfig,
  type SplunkHecDestinationConfig,
} from '../../../lambda/core/config/destinations';
import type { OutboundRecord } from '../../../lambda/core/records/types';
import type { BatchOutcome, DeliveryContext, Sink } from '../../../lambda/core/sinks/types';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/dest';

export const hecConfig = (url: string, extra: Record<string, unknown> = {}): SplunkHecDestinationConfig =>
  splunkHecDestination.parse({
    type: 'splunk-hec',
    name: 'splunk',
    url,
    tokenSecretArn: SECRET_ARN,
    ...extra,
  });

export const esConfig = (url: string, extra: Record<string, unknown> = {}): ElasticsearchDestinationConfig =>
  elasticsearchDestination.parse({
    type: 'elasticsearch',
    name: 'elastic',
    url,
    auth: { type: 'api-key', secretArn: SECRET_ARN },
    ...extra,
  });

export const httpsConfig = (url: string, extra: Record<string, unknown> = {}): HttpsDestinationConfig =>
  httpsDestination.parse({ type: 'https', name: 'collector', url, ...extra });

/**
 * Time that only moves when the loop "sleeps": backoff never waits for real, and the deadline logic still
 * sees the time pass.
 */
export function virtualTime() {
  let offset = 0;
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now() + offset,
    sleep: async (ms: number) => {
      delays.push(ms);
      offset += ms;
    },
  };
}

/** Cuts records into batches the way the forwarder does (by count and encoded bytes) and delivers them all. */
export async function deliverAll(
  sink: Sink,
  records: readonly OutboundRecord[],
  context: DeliveryContext,
): Promise<BatchOutcome> {
  const batches: OutboundRecord[][] = [];
  let current: OutboundRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = sink.encodedSize(record);
    if (current.length > 0 && (current.length >= sink.maxBatchRecords || bytes + size > sink.maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  const outcomes = await Promise.all(batches.map((batch) => sink.deliver(batch, context)));
  return {
    delivered: outcomes.flatMap((outcome) => outcome.delivered),
    rejected: outcomes.flatMap((outcome) => outcome.rejected),
    failed: outcomes.flatMap((outcome) => outcome.failed),
    failure: outcomes.find((outcome) => outcome.failure)?.failure,
  };
}
