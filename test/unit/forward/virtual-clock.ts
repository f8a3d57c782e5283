/**
 * Time that passes only when nothing is left to do but wait: the earliest sleep ends once every
 * pending promise has settled (`setImmediate` runs after the microtask queue drains). Code whose
 * waits all go through `sleep` then runs the same on any machine, however busy: deadlines and
 * latencies are exact, and a test takes milliseconds of real time.
 *
 * Only for code that does no real I/O meanwhile (in-memory objects, fake transports, no gzip).
 */
export class VirtualClock {
  private time = 0;
  private sequence = 0;
  private readonly timers: { at: number; order: number; wake: () => void }[] = [];
  private scheduled = false;

  readonly now = (): number => this.time;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.timers.push({ at: this.time + Math.max(0, ms), order: this.sequence++, wake });
      this.schedule();
    });

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.timers.shift();
      if (!next) return;
      this.time = next.at;
      next.wake();
      if (this.timers.length > 0) this.schedule();
    });
  }
}
