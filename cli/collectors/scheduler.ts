import type { RunOutcome } from '../../lambda/core/collectors/types';
import { errorCode, errorMessage } from '../../lambda/core/errors';

/** A collector as the worker runs it: every `everyMs`, one run at a time. */
export interface ScheduledCollector {
  readonly name: string;
  readonly everyMs: number;
  /**
   * One run; `shouldStop` turns true when the worker shuts down (the run then ends early), and
   * `signal` aborts then: a wait between a page's retries ends at once, as for `sluice collect`.
   */
  run(shouldStop: () => boolean, signal: AbortSignal): Promise<RunOutcome>;
}

export interface CollectorTotals {
  runs: number;
  failed: number;
  eventsWritten: number;
  objectsWritten: number;
  lastStatus?: RunOutcome['status'];
}

export interface SchedulerClock {
  now(): number;
  /** Waits `ms`, or less when `wake` is called. */
  sleep(ms: number, wake: (resolve: () => void) => void): Promise<void>;
}

const realClock: SchedulerClock = {
  now: Date.now,
  sleep: (ms, wake) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake(() => {
        clearTimeout(timer);
        resolve();
      });
    }),
};

/**
 * `sluice run --collectors`: each collector runs at once, then every `everyMs` from the start of its
 * previous run (at once again when a run took longer), never two runs of one collector at a time in
 * this process; the lease keeps it from overlapping a run elsewhere (its Lambda function, `sluice
 * collect`). A run that throws is reported like a failed one: the loop goes on.
 */
export class CollectorScheduler {
  readonly totals = new Map<string, CollectorTotals>();
  private stopped = false;
  private readonly stopping = new AbortController();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly collectors: readonly ScheduledCollector[],
    private readonly onOutcome: (collector: string, outcome: RunOutcome) => void,
    private readonly clock: SchedulerClock = realClock,
  ) {
    for (const collector of collectors) {
      this.totals.set(collector.name, { runs: 0, failed: 0, eventsWritten: 0, objectsWritten: 0 });
    }
  }

  /** Runs until `stop()`; resolves once every run in progress has ended. */
  async start(): Promise<void> {
    await Promise.all(this.collectors.map((collector) => this.loop(collector)));
  }

  /** No new run starts; runs in progress stop fetching, write what they hold, and end. */
  stop(): void {
    this.stopped = true;
    this.stopping.abort();
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  private async loop(collector: ScheduledCollector): Promise<void> {
    const totals = this.totals.get(collector.name)!;
    while (!this.stopped) {
      const started = this.clock.now();
      let outcome: RunOutcome;
      try {
        outcome = await collector.run(() => this.stopped, this.stopping.signal);
      } catch (error) {
        outcome = {
          status: 'failed',
          recordsWritten: 0,
          objectsWritten: 0,
          code: errorCode(error),
          message: errorMessage(error),
        };
      }
      totals.runs += 1;
      totals.failed += outcome.status === 'failed' ? 1 : 0;
      totals.eventsWritten += outcome.recordsWritten;
      totals.objectsWritten += outcome.objectsWritten;
      totals.lastStatus = outcome.status;
      this.onOutcome(collector.name, outcome);
      const wait = started + collector.everyMs - this.clock.now();
      if (wait > 0 && !this.stopped) {
        await this.clock.sleep(wait, (wake) => this.wakers.add(wake));
      }
    }
  }
}
