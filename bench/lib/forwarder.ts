import { parseConfig } from '../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../lambda/core/config/schema';
import type { ForwardSummary } from '../../lambda/core/forward/forward-object';
import type { ObjectSource, QuarantineWriter } from '../../lambda/core/forward/ports';
import { processMessage, type MessageDependencies } from '../../lambda/core/forward/process-message';
import { createSink, type SinkDependencies } from '../../lambda/core/sinks/create-sink';
import type { SecretSource } from '../../lambda/core/sinks/types';
import { runtimeConfigOf } from '../../lambda/forwarder/runtime-config';
import { objectCreatedMessage } from '../data/objects';

export const BENCH_BUCKET = 'acme-audit-logs';
export const BENCH_HEC_TOKEN = 'bench-hec-token-0123456789';
export const BENCH_ES_API_KEY = 'YmVuY2gta2V5OnNlY3JldA==';
const HEC_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/hec-AbCdEf';
const ES_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/es-AbCdEf';

export type DestinationKind = 'hec' | 'es';

/** The configured destination as an operator would write it: defaults everywhere except `gzip`. */
export function destinationConfig(kind: DestinationKind, url: string, gzip: boolean) {
  return kind === 'hec'
    ? ({
        type: 'splunk-hec',
        name: 'splunk',
        url,
        tokenSecretArn: HEC_SECRET,
        index: 'security',
        gzip,
      } as const)
    : ({
        type: 'elasticsearch',
        name: 'elastic',
        url,
        auth: { type: 'api-key', secretArn: ES_SECRET },
        gzip,
      } as const);
}

export interface ForwardTotals {
  objects: number;
  records: number;
  bytes: number;
  unreadable: number;
  delivered: number;
  rejected: number;
  failed: number;
  continuations: number;
}

export interface BenchForwarder {
  /** Handles one object-queue message, as the Lambda handler does for each record of its batch. */
  handle(messageBody: string): Promise<void>;
  /** Handles the notification of a stored object. */
  forward(key: string, size: number): Promise<void>;
  readonly totals: ForwardTotals;
  close(): void;
}

/**
 * The forwarder's core exactly as the Lambda handler wires it (processMessage → forwardObject →
 * reader → outbound → sink encoders → keep-alive HTTP), with S3 replaced by `objects` and the
 * configuration validated by the real schema, so every default (batch sizes, concurrency, gzip
 * level, retry policy) is the shipped one.
 */
export function benchForwarder(
  destinations: NonNullable<SluiceConfigInput['destinations']>,
  objects: ObjectSource,
  transport?: SinkDependencies['transport'],
): BenchForwarder {
  const config = runtimeConfigOf(
    parseConfig({
      sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
      destinations: [...destinations],
    }),
  );
  const secrets: Record<string, string> = { [HEC_SECRET]: BENCH_HEC_TOKEN, [ES_SECRET]: BENCH_ES_API_KEY };
  const secret = (arn: string): SecretSource => ({
    get: async () => secrets[arn],
    refresh: async () => secrets[arn],
  });
  const sinks = config.destinations.map((destination) => ({
    sink: createSink(destination, { secret, transport }),
    logTypes: destination.logTypes,
    maxInFlight: destination.maxConcurrency,
  }));
  const totals: ForwardTotals = {
    objects: 0,
    records: 0,
    bytes: 0,
    unreadable: 0,
    delivered: 0,
    rejected: 0,
    failed: 0,
    continuations: 0,
  };
  const quarantine: QuarantineWriter = { create: async () => true, read: async () => undefined };
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const deps: MessageDependencies = {
    sources: config.sources,
    destinations: sinks,
    objects,
    quarantine,
    continuations: {
      send: async () => {
        totals.continuations += 1;
      },
    },
    maxRecordBytes: config.maxRecordBytes,
    maxObjectBytes: config.maxObjectBytes,
    now: Date.now,
    stopReadingAt: Number.POSITIVE_INFINITY,
    deliveryDeadline: Number.POSITIVE_INFINITY,
    log: silent,
    onObject: (summary: ForwardSummary) => {
      totals.objects += 1;
      totals.records += summary.records;
      totals.bytes += summary.bytes;
      totals.unreadable += summary.unreadable;
      for (const tally of Object.values(summary.destinations)) {
        totals.delivered += tally.delivered;
        totals.rejected += tally.rejected;
        totals.failed += tally.failed;
      }
    },
  };
  const handle = (body: string) => processMessage(body, deps);
  return {
    handle,
    forward: (key, size) => handle(objectCreatedMessage(BENCH_BUCKET, key, size)),
    totals,
    close: () => sinks.forEach(({ sink }) => sink.close?.()),
  };
}
