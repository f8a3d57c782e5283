/**
 * How long requests to each destination have taken so far in one invocation, and so how close to the
 * deadline another one may still start. A request cut by the deadline fails although the destination
 * may have indexed it (a duplicate for Splunk, a failed message with no recorded progress): better not
 * to start it and hand its records to the next invocation.
 */
export class RequestLatency {
  private readonly slowestMs = new Map<string, number>();

  /** Records one attempt's duration (encoding, signing and the exchange; a request cut by its timeout too). */
  observe(destination: string, durationMs: number): void {
    this.slowestMs.set(destination, Math.max(this.slowestMs.get(destination) ?? 0, durationMs));
  }

  /**
   * Time to keep before the deadline when starting a request: half as long again as the slowest one
   * seen, since a destination that slowed down once may slow down more under the same load. Zero
   * before the first answer, so every invocation tries at least once: a destination that only ever
   * times out must still fail its messages (and bring them to the DLQ), not have them handed back.
   */
  headroomMs(destination: string): number {
    return HEADROOM_FACTOR * (this.slowestMs.get(destination) ?? 0);
  }

  /** Whether a request to `destination` started at `now` can be expected to end before `deadline`. */
  canStart(destination: string, now: number, deadline: number): boolean {
    return now + this.headroomMs(destination) < deadline;
  }
}

const HEADROOM_FACTOR = 1.5;
