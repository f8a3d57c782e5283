import type { WriteRequest } from '@aws-sdk/client-dynamodb';

/** A caller's place in a WriteRound: it submits its puts once, or leaves without any. */
export interface WriteTicket {
  /** Queues the puts (keyed `pk \0 sk`: one request per item); settles when the round's writes do. */
  submit(puts: ReadonlyMap<string, WriteRequest>): Promise<void>;
  /** No puts (nothing new, or a failure before writing): the round no longer waits for this caller. */
  leave(): void;
}

/**
 * Writes that callers started together (in one turn of the event loop) make, written together once
 * every caller has submitted or left: a wave's alerts each read their state first, and their reads
 * answer at different times, so the batching of one turn (the window store's) would catch none of
 * their writes. `flush` writes what was submitted (at most 25 per BatchWriteItem); every submitter
 * settles with it.
 */
export class WriteRound {
  private open = 0;
  private readonly puts = new Map<string, WriteRequest>();
  private readonly waiting: { resolve(): void; reject(error: unknown): void }[] = [];

  constructor(private readonly flush: (requests: WriteRequest[]) => Promise<void>) {}

  ticket(): WriteTicket {
    this.open += 1;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.open -= 1;
      return true;
    };
    return {
      submit: (puts) => {
        if (!settle()) return Promise.reject(new Error('a write ticket is used once'));
        for (const [key, request] of puts) this.puts.set(key, request);
        const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
        this.flushWhenAllIn();
        return done;
      },
      leave: () => {
        if (settle()) this.flushWhenAllIn();
      },
    };
  }

  private flushWhenAllIn(): void {
    if (this.open > 0) return;
    const waiting = this.waiting.splice(0);
    const requests = [...this.puts.values()];
    this.puts.clear();
    if (waiting.length === 0) return;
    (requests.length > 0 ? this.flush(requests) : Promise.resolve()).then(
      () => waiting.forEach((waiter) => waiter.resolve()),
      (error: unknown) => waiting.forEach((waiter) => waiter.reject(error)),
    );
  }
}
