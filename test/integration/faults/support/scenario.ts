import type { SluiceConfigInput } from '../../../../lambda/core/config/schema';
import type { VendorObject } from '../../../../bench/data/objects';
import { seededRandom } from '../../../../bench/data/random';
import { BUCKET, ES_API_KEY, HEC_TOKEN, startPipeline, type Pipeline } from '../../../support/pipeline';
import {
  startBulkReceiver,
  startHecReceiver,
  type BulkReceiver,
  type BulkReceiverOptions,
  type HecReceiver,
  type HecReceiverOptions,
} from '../../../support/receivers';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy';
import { reconcile, takeQuarantine, type Ledger } from './ledger';
import type { Handler } from './workers';

type ProxyFaults = Omit<FaultProxyOptions, 'target' | 'kind' | 'seed'>;

export interface ScenarioOptions {
  readonly seed: number;
  readonly maxReceiveCount?: number;
  readonly hec?: Omit<HecReceiverOptions, 'token' | 'random'>;
  readonly bulk?: Omit<BulkReceiverOptions, 'auth' | 'random' | 'dataStreams'>;
  readonly hecFaults?: ProxyFaults;
  readonly esFaults?: ProxyFaults;
}

export interface DestinationTuning {
  readonly maxBatchRecords?: number;
  readonly maxConcurrency?: number;
  readonly requestTimeoutSeconds?: number;
}

/**
 * The deployed shape on moto (bucket → notifications → object queue → DLQ), local Splunk HEC and
 * Elasticsearch receivers, and a fault proxy in front of each; plus the ledger of what was sent.
 */
export interface Scenario {
  readonly pipeline: Pipeline;
  readonly hec: HecReceiver;
  readonly bulk: BulkReceiver;
  readonly hecProxy: FaultProxy;
  readonly esProxy: FaultProxy;
  /** Record marker → the object it was written in. */
  readonly sent: Map<string, { key: string; logType: string }>;
  /** The sluice configuration: the strongdm source, both destinations behind `urls` (default: the proxies). */
  config(tuning?: DestinationTuning, urls?: { hec: string; es: string }): SluiceConfigInput;
  /** `count` forwarders, each with its own runtime, like separate Lambda execution environments. */
  handlers(count: number, tuning?: DestinationTuning): Handler[];
  put(objects: readonly VendorObject[]): Promise<void>;
  /** Reads (and clears) the quarantine, and reconciles it and the receivers with what was sent. */
  ledger(extraHecProxies?: readonly FaultProxy[]): Promise<Ledger>;
  stop(): Promise<void>;
}

export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  const pipeline = await startPipeline({ maxReceiveCount: options.maxReceiveCount });
  const hec = await startHecReceiver({
    token: HEC_TOKEN,
    ...options.hec,
    random: seededRandom(options.seed + 1).next,
  });
  const bulk = await startBulkReceiver({
    auth: { apiKey: ES_API_KEY },
    dataStreams: true,
    ...options.bulk,
    random: seededRandom(options.seed + 2).next,
  });
  const hecProxy = await startFaultProxy({
    target: hec.url,
    kind: 'hec',
    seed: options.seed + 3,
    ...options.hecFaults,
  });
  const esProxy = await startFaultProxy({
    target: bulk.url,
    kind: 'bulk',
    seed: options.seed + 4,
    ...options.esFaults,
  });
  const sent = new Map<string, { key: string; logType: string }>();

  const config = (
    tuning: DestinationTuning = {},
    urls = { hec: hecProxy.url, es: esProxy.url },
  ): SluiceConfigInput => ({
    sources: [{ name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' }],
    destinations: [
      {
        type: 'splunk-hec',
        name: 'splunk',
        url: urls.hec,
        tokenSecretArn: pipeline.secretArns.hec,
        index: 'security',
        ...tuning,
      },
      {
        type: 'elasticsearch',
        name: 'elastic',
        url: urls.es,
        auth: { type: 'api-key', secretArn: pipeline.secretArns.es },
        ...tuning,
      },
    ],
  });

  return {
    pipeline,
    hec,
    bulk,
    hecProxy,
    esProxy,
    sent,
    config,
    handlers: (count, tuning) => Array.from({ length: count }, () => pipeline.handlerFor(config(tuning))),
    put: async (objects) => {
      for (const object of objects) {
        for (const marker of object.markers) sent.set(marker, { key: object.key, logType: object.logType });
        await pipeline.putObject(object.key, object.body);
      }
    },
    ledger: async (extraHecProxies = []) =>
      reconcile({
        bucket: BUCKET,
        sent,
        hec,
        bulk,
        quarantine: await takeQuarantine(pipeline.s3, BUCKET),
        hecProxies: [hecProxy, ...extraHecProxies],
      }),
    stop: async () => {
      await Promise.all([hecProxy.close(), esProxy.close()]);
      await Promise.all([hec.close(), bulk.close()]);
      await pipeline.stop();
    },
  };
}
