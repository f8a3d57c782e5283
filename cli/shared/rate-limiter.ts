/**
 * Paces work to at most `perSecond` units per second (a token bucket holding one second of burst),
 * so replays and redrives do not flood the forwarder or the SIEM behind it. `undefined` = unlimited.
 */
export class RateLimiter {
  private available: number;
  private last: number;

  constructor(
    private readonly perSecond: number | undefined,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.available = perSecond ?? 0;
    this.last = now();
  }

  /** Waits until `units` may proceed (`units` above one second's worth are let through one second's worth at a time). */
  async take(units = 1): Promise<void> {
    if (this.perSecond === undefined) return;
    let needed = units;
    while (needed > 0) {
      this.refill();
      const portion = Math.min(needed, this.perSecond);
      if (this.available >= portion) {
        this.available -= portion;
        needed -= portion;
        continue;
      }
      await this.sleep(Math.ceil(((portion - this.available) / this.perSecond) * 1000));
    }
  }

  private refill(): void {
    const at = this.now();
    this.available = Math.min(this.perSecond!, this.available + ((at - this.last) / 1000) * this.perSecond!);
    this.last = at;
  }
}
