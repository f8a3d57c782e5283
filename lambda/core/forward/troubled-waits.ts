import type { GatherTicket } from '../sinks/gathering';
import type { SinkObserver } from '../sinks/types';

/**
 * Tells the object's tickets at the sinks that gather objects (the detections stage's waves) when the
 * object waits on a destination in trouble: the object waits for one of its answers (its share of
 * requests in flight is full, or reading is over and it waits for the last ones) while a batch in
 * flight there has failed an attempt and is being retried (a 503 or 429 in backoff, a timeout, a
 * resend). The gathering sink then stops waiting for the object (GatherTicket.waitsElsewhere): a
 * failing SIEM delays its own objects, never the detections of the others.
 *
 * A destination that answers, however slowly, is not in trouble: a wave waits for the objects it
 * paces, so the batch's later objects, which start as the first ones are done with it, join the
 * same wave (one set of the stage's requests per batch of notifications, not one per object).
 */
export class TroubledWaits {
  /** Waits on this destination's answers in progress. */
  private waits = 0;
  /** Batches in flight that failed an attempt and have not been answered yet. */
  private retrying = 0;
  /** Whether the tickets were told that the object waits here. */
  private told = false;

  constructor(private readonly tickets: readonly GatherTicket[]) {}

  /**
   * The observer to deliver one batch with: a retry reported through it puts the destination in
   * trouble until `answered`. The given observer itself when no ticket needs to know.
   */
  batch(observer: SinkObserver | undefined): { observer?: SinkObserver; answered(): void } {
    if (this.tickets.length === 0) return { observer, answered: () => {} };
    let troubled = false;
    let open = true;
    return {
      observer: {
        request: (destination, info) => observer?.request(destination, info),
        authFailure: (destination, status) => observer?.authFailure(destination, status),
        rolloverLookup: (destination, info) => observer?.rolloverLookup?.(destination, info),
        retry: (destination, info) => {
          observer?.retry(destination, info);
          if (!open || troubled) return;
          troubled = true;
          this.retrying += 1;
          this.update();
        },
      },
      answered: () => {
        if (!open) return;
        open = false;
        if (!troubled) return;
        this.retrying -= 1;
        this.update();
      },
    };
  }

  /** Runs `wait`, a wait on this destination's answers. */
  async during(wait: () => Promise<void>): Promise<void> {
    if (this.tickets.length === 0) return wait();
    this.waits += 1;
    this.update();
    try {
      await wait();
    } finally {
      this.waits -= 1;
      this.update();
    }
  }

  private update(): void {
    const waiting = this.waits > 0 && this.retrying > 0;
    if (waiting === this.told) return;
    this.told = waiting;
    for (const ticket of this.tickets) ticket.waitsElsewhere(waiting);
  }
}
