import { parseConfig } from '../../lambda/core/config/load';
import type { SluiceConfigInput } from '../../lambda/core/config/schema';
import type { DetectionFanout } from '../../lambda/core/detections/stage/detection-fanout';
import type { ForwardSummary } from '../../lambda/core/forward/forward-object';
import { invocationSchedule } from '../../lambda/core/forward/object-slots';
import type { ObjectSource, QuarantineWriter } from '../../lambda/core/forward/ports';
import { processMessage, type MessageDependencies } from '../../lambda/core/forward/process-message';
import { createSink, type SinkDependencies } from '../../lambda/core/sinks/create-sink';
import type { SecretSource } from '../../lambda/core/sinks/types';
import { runtimeConfigOf, type ForwarderRuntimeConfig } from '../../lambda/forwarder/runtime-config';
import { objectCreatedMessage } from '../data/objects';

export const BENCH_BUCKET = 'acme-audit-logs';
export const BENCH_HEC_TOKEN = 'bench-hec-token-0123456789';
export const BENCH_ES_API_KEY = 'YmVuY2gta2V5OnNlY3JldA==';
/** The bench's Entra ID app registration and data collection rule (Sentinel rows). */
export const BENCH_SENTINEL = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  clientSecret: 'Xy8Q~bench-client-secret.value',
  dcrImmutableId: 'dcr-00112233445566778899aabbccddeeff',
  /** The default stream template's streams for every source and log type of the bench. */
  streams: [
    'Custom-strongdm_activities',
    'Custom-strongdm_queries',
    'Custom-strongdm_replays',
    'Custom-cloudtrail_cloudtrail',
  ],
} as const;
const HEC_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/hec-AbCdEf';
const ES_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/es-AbCdEf';
const SENTINEL_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/sentinel-AbCdEf';

/** `hec-ack`: Splunk HEC with indexer acknowledgement (the HEC receiver with acknowledgement on). */
export type DestinationKind = 'hec' | 'es' | 'sentinel' | 'hec-ack';

/** Where a destination kind is received: the receivers child's URLs. */
export interface ReceiverUrls {
  readonly hec: string;
  readonly bulk: string;
  readonly distantHec: string;
  readonly hecAck: string;
  /** The logs ingestion endpoint and the Entra ID authority host (Sentinel). */
  readonly logsIngestion: string;
  readonly entra: string;
}

/** Seconds between acknowledgement queries in the `hec-ack` rows (the default is 10). */
export const BENCH_ACK_POLL_SECONDS = 1;

/**
 * The configured destination as an operator would write it: defaults everywhere except `gzip` (and,
 * with acknowledgement, a 1 s poll interval: the bench's rounds last seconds, not minutes).
 */
export function destinationConfig(kind: DestinationKind, urls: ReceiverUrls, gzip: boolean) {
  switch (kind) {
    case 'hec':
    case 'hec-ack':
      return {
        type: 'splunk-hec',
        name: 'splunk',
        url: kind === 'hec' ? urls.hec : urls.hecAck,
        tokenSecretArn: HEC_SECRET,
        index: 'security',
        gzip,
        ...(kind === 'hec-ack'
          ? { acknowledgements: true, ackPollIntervalSeconds: BENCH_ACK_POLL_SECONDS }
          : {}),
      } as const;
    case 'es':
      return {
        type: 'elasticsearch',
        name: 'elastic',
        url: urls.bulk,
        auth: { type: 'api-key', secretArn: ES_SECRET },
        gzip,
      } as const;
    case 'sentinel':
      return {
        type: 'sentinel',
        name: 'sentinel',
        endpoint: urls.logsIngestion,
        authorityHost: urls.entra,
        dcrImmutableId: BENCH_SENTINEL.dcrImmutableId,
        tenantId: BENCH_SENTINEL.tenantId,
        clientId: BENCH_SENTINEL.clientId,
        clientSecretArn: SENTINEL_SECRET,
        gzip,
      } as const;
  }
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
  /**
   * Forwards objects `batchSize` at a time, as the handler takes its SQS batch: each batch at once,
   * or, with `paceObjects`, as many at a time as the handler lets run (its ObjectSlots).
   */
  forwardInBatches(
    objects: readonly { readonly key: string; readonly size: number }[],
    batchSize: number,
  ): Promise<void>;
  readonly totals: ForwardTotals;
  close(): void;
}

/**
 * Detections as the forwarder runs them: the configuration's `detections` section, and the stage
 * and routes built from the runtime configuration (as lambda/forwarder/detections.ts builds them,
 * with stores and an alert writer of the bench's choice).
 */
/** Where the bench's detections keep their state: see ForwardDetectionsInput.stores. */
export type DetectionStores = 'rules' | 'memory' | 'dynamodb';

export interface BenchDetections {
  readonly config: NonNullable<SluiceConfigInput['detections']>;
  create(config: ForwarderRuntimeConfig): DetectionFanout;
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
  detections?: BenchDetections,
  options: {
    /** Objects of a batch run as the handler runs them (see ObjectSlots). Default: all at once. */
    readonly paceObjects?: boolean;
  } = {},
): BenchForwarder {
  const config = runtimeConfigOf(
    parseConfig({
      sources: [
        { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' },
        {
          name: 'cloudtrail',
          prefix: 'cloudtrail',
          preset: 'cloudtrail',
          trailArns: ['arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail'],
        },
      ],
      destinations: [...destinations],
      ...(detections ? { detections: detections.config } : {}),
    }),
  );
  const secrets: Record<string, string> = {
    [HEC_SECRET]: BENCH_HEC_TOKEN,
    [ES_SECRET]: BENCH_ES_API_KEY,
    [SENTINEL_SECRET]: BENCH_SENTINEL.clientSecret,
  };
  const secret = (arn: string): SecretSource => ({
    get: async () => secrets[arn],
    refresh: async () => secrets[arn],
  });
  const fanout = detections?.create(config);
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
    destinations: [...sinks, ...(fanout?.destinations ?? [])],
    detections: fanout?.hook,
    objects,
    quarantine,
    continuations: {
      send: async (bodies) => {
        totals.continuations += bodies.length;
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
  const forward = (key: string, size: number) => handle(objectCreatedMessage(BENCH_BUCKET, key, size));
  return {
    handle,
    forward,
    forwardInBatches: async (objects, batchSize) => {
      for (let start = 0; start < objects.length; start += batchSize) {
        // A schedule per batch, as the handler builds one per invocation.
        const batchDeps = options.paceObjects
          ? {
              ...deps,
              ...invocationSchedule({
                destinations: deps.destinations,
                now: Date.now,
                stopReadingAt: Number.POSITIVE_INFINITY,
                deliveryDeadline: Number.POSITIVE_INFINITY,
              }),
            }
          : deps;
        await Promise.all(
          objects
            .slice(start, start + batchSize)
            .map(({ key, size }) => processMessage(objectCreatedMessage(BENCH_BUCKET, key, size), batchDeps)),
        );
      }
    },
    totals,
    close: () => {
      sinks.forEach(({ sink }) => sink.close?.());
      fanout?.close();
    },
  };
}
