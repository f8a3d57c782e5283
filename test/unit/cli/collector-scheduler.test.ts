import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectorScheduler, type SchedulerClock } from '../../../cli/collectors/scheduler';
import type { RunOutcome } from '../../../lambda/core/collectors/types';

/** A clock that jumps instead of waiting: tests never depend on the machine's speed. */
class JumpingClock implements SchedulerClock {
  time = 0;
  readonly sleeps: number[] = [];
  now = () => this.time;
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.time += ms;
  };
}

const done = (records: number): RunOutcome => ({
  status: 'caught-up',
  recordsWritten: records,
  objectsWritten: 1,
});

describe('the collectors of sluice run --collectors', () => {
  it('runs each collector at once, then on its interval from the start of the previous run', async () => {
    const clock = new JumpingClock();
    const starts: number[] = [];
    const scheduler: CollectorScheduler = new CollectorScheduler(
      [
        {
          name: 'c',
          everyMs: 300_000,
          run: async () => {
            starts.push(clock.time);
            clock.time += 60_000; // the run takes a minute
            if (starts.length === 3) scheduler.stop();
            return done(2);
          },
        },
      ],
      () => undefined,
      clock,
    );
    await scheduler.start();
    assert.deepEqual(starts, [0, 300_000, 600_000]);
    assert.deepEqual(clock.sleeps, [240_000, 240_000]);
    assert.deepEqual(scheduler.totals.get('c'), {
      runs: 3,
      failed: 0,
      eventsWritten: 6,
      objectsWritten: 3,
      lastStatus: 'caught-up',
    });
  });

  it('starts again at once after a run longer than the interval, and goes on after a run that threw', async () => {
    const clock = new JumpingClock();
    const outcomes: string[] = [];
    let runs = 0;
    const scheduler: CollectorScheduler = new CollectorScheduler(
      [
        {
          name: 'slow',
          everyMs: 60_000,
          run: async () => {
            runs += 1;
            clock.time += 90_000;
            if (runs === 1) throw new Error('checkpoint table unreachable');
            scheduler.stop();
            return done(0);
          },
        },
      ],
      (_, outcome) => outcomes.push(`${outcome.status}:${outcome.code ?? ''}`),
      clock,
    );
    await scheduler.start();
    assert.deepEqual(clock.sleeps, [], 'no wait after an overdue run');
    assert.deepEqual(outcomes, ['failed:UNEXPECTED', 'caught-up:']);
    assert.equal(scheduler.totals.get('slow')?.failed, 1);
  });

  it('tells a run in progress to stop when the worker stops, and starts no other', async () => {
    const clock = new JumpingClock();
    let seenStop = false;
    const scheduler = new CollectorScheduler(
      [
        {
          name: 'c',
          everyMs: 300_000,
          run: async (shouldStop) => {
            assert.equal(shouldStop(), false);
            scheduler.stop();
            seenStop = shouldStop();
            return done(0);
          },
        },
      ],
      () => undefined,
      clock,
    );
    await scheduler.start();
    assert.equal(seenStop, true);
    assert.equal(scheduler.totals.get('c')?.runs, 1);
  });

  it("aborts a run's signal when the worker stops: a wait between a page's retries ends at once", async () => {
    const scheduler: CollectorScheduler = new CollectorScheduler(
      [
        {
          name: 'c',
          everyMs: 300_000,
          // A run in a retry wait, which only its signal ends (it does not look at shouldStop meanwhile).
          run: async (_shouldStop, signal) => {
            let waiting: Promise<void> | undefined;
            try {
              waiting = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            } finally {
              scheduler.stop();
            }
            await waiting;
            return done(0);
          },
        },
      ],
      () => undefined,
      new JumpingClock(),
    );
    await scheduler.start();
    assert.deepEqual(scheduler.totals.get('c'), {
      runs: 1,
      failed: 0,
      eventsWritten: 0,
      objectsWritten: 1,
      lastStatus: 'caught-up',
    });
  });
});
