import type { SluiceConfig } from '../../lambda/core/config/schema';
import type { AwsClients } from '../aws/clients';
import type { Deployment } from '../aws/deployment';
import { CollectorScheduler } from '../collectors/scheduler';
import { workerCollectors } from '../collectors/worker';
import { describeOutcome } from '../collectors/outcome';
import { startDemoCirrusApi, type DemoCirrusApi } from './demo-cirrus-api';
import {
  DEMO_COLLECTOR,
  DEMO_SECRET_ARN,
  demoCirrusEvent,
  demoCirrusEvents,
  withDemoCollector,
} from './demo-collector';

/** What the local pipeline's collector did, for its summary. */
export interface DevCollectorSummary {
  readonly name: string;
  readonly apiUrl: string;
  readonly apiEvents: number;
  readonly runs: number;
  readonly eventsWritten: number;
  readonly objectsWritten: number;
}

/** While running (not `--once`), the demo API gets a new event this often, for the next run to collect. */
const LIVE_EVENT_EVERY_MS = 20_000;

/**
 * The local pipeline's collector: a Cirrus-like API on this machine, a `cirrus-siem` collector added to
 * the configuration for it, and the scheduler that runs it every minute, as `sluice run --collectors`
 * does: checkpoint in the local checkpoint table, objects into the bucket, from where the forwarder
 * delivers them with the rest.
 */
export class DevCollector {
  private scheduler?: CollectorScheduler;
  private running?: Promise<void>;
  private closeWorker?: () => void;
  private timer?: NodeJS.Timeout;
  private apiEvents: number;

  private constructor(
    readonly config: SluiceConfig,
    readonly written: Record<string, unknown>,
    private readonly api: DemoCirrusApi,
    private readonly random: () => number,
    initialEvents: number,
  ) {
    this.apiEvents = initialEvents;
  }

  /** Undefined (nothing started) when the configuration has a source or collector in the demo's place. */
  static async prepare(
    config: SluiceConfig,
    options: { readonly events: number; readonly now: Date; readonly random: () => number },
  ): Promise<DevCollector | undefined> {
    const api = await startDemoCirrusApi();
    const added = withDemoCollector(config, api.url);
    if (!added) {
      await api.close();
      return undefined;
    }
    api.add(...demoCirrusEvents(options.events, options.now, options.random));
    return new DevCollector(added.config, added.written, api, options.random, options.events);
  }

  get apiUrl(): string {
    return this.api.url;
  }

  start(
    aws: AwsClients,
    deployment: Deployment,
    options: { readonly live: boolean; readonly note: (message: string) => void },
  ): void {
    const secret = JSON.stringify(this.api.credentials);
    const { collectors, close } = workerCollectors(aws, deployment, this.config, (arn) => {
      const read = async () => {
        if (arn !== DEMO_SECRET_ARN) throw new Error(`sluice dev runs only the demo collector, not ${arn}`);
        return secret;
      };
      return { get: read, refresh: read };
    });
    this.closeWorker = close;
    this.scheduler = new CollectorScheduler(
      collectors.filter((collector) => collector.name === DEMO_COLLECTOR),
      (name, outcome) => options.note(describeOutcome(name, outcome)),
    );
    this.running = this.scheduler.start();
    if (options.live) {
      this.timer = setInterval(() => {
        this.api.add(demoCirrusEvent(new Date(), this.random));
        this.apiEvents += 1;
      }, LIVE_EVENT_EVERY_MS);
      this.timer.unref();
    }
  }

  /** The collector has run once (the samples of the demo API are in the bucket, or it failed). */
  get ranOnce(): boolean {
    return (this.scheduler?.totals.get(DEMO_COLLECTOR)?.runs ?? 0) > 0;
  }

  summary(): DevCollectorSummary {
    const totals = this.scheduler?.totals.get(DEMO_COLLECTOR);
    return {
      name: DEMO_COLLECTOR,
      apiUrl: this.api.url,
      apiEvents: this.apiEvents,
      runs: totals?.runs ?? 0,
      eventsWritten: totals?.eventsWritten ?? 0,
      objectsWritten: totals?.objectsWritten ?? 0,
    };
  }

  /** Stops the scheduler (the run in progress writes what it holds) and the demo API. Idempotent. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.scheduler?.stop();
    await this.running;
    this.closeWorker?.();
    this.closeWorker = undefined;
    await this.api.close();
  }
}
