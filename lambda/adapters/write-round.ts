import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BATCH_WRITE_ITEMS, writeBatch } from './batch-write';

/** A caller's place in a WriteRound: it submits its puts once, or leaves without any. */
export interface WriteTicket {
  /** Queues the puts (keyed `pk \0 sk`: one request per item); settles when the round's writes do. */
  submit(puts: ReadonlyMap<string, WriteRequest>): Promise<void>;
  /** No puts (nothing new, or a failure before writing): the round no longer waits for this caller. */
  leave(): void;
}

/**
 * The puts of callers that started together (in one turn of the event loop), written together once
 * every caller has submitted or left, at the end of that turn at the earliest: the window store's
 * adds submit at once, in the turn they start; the alert store's registers each read their state
 * first, and their reads answer at different times. `flush` writes what was submitted; every
 * submitter settles with it.
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
        // DynamoDB refuses a BatchWriteItem naming an item twice: one request per key.
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
    // Callers of this turn that have not taken their ticket yet still join.
    queueMicrotask(() => {
      if (this.open > 0) return;
      const waiting = this.waiting.splice(0);
      const requests = [...this.puts.values()];
      this.puts.clear();
      if (waiting.length === 0) return;
      (requests.length > 0 ? this.flush(requests) : Promise.resolve()).then(
        () => waiting.forEach((waiter) => waiter.resolve()),
        (error: unknown) => waiting.forEach((waiter) => waiter.reject(error)),
      );
    });
  }
}

/**
 * A table's puts, batched by WriteRound: callers take a ticket of the current turn's round; each
 * round's items go 25 to a BatchWriteItem. `failure` names what was being written, from the slice's
 * first request, for the error the callers get.
 */
export class RoundWriter {
  private round: WriteRound | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly failure: (error: unknown, first: WriteRequest) => Error,
  ) {}

  /** A ticket of the round of this turn (a new round once the turn has ended). */
  ticket(): WriteTicket {
    if (!this.round) {
      const round = new WriteRound((requests) => this.write(requests));
      this.round = round;
      queueMicrotask(() => {
        if (this.round === round) this.round = undefined;
      });
    }
    return this.round.ticket();
  }

  private async write(requests: readonly WriteRequest[]): Promise<void> {
    const slices: WriteRequest[][] = [];
    for (let start = 0; start < requests.length; start += BATCH_WRITE_ITEMS)
      slices.push(requests.slice(start, start + BATCH_WRITE_ITEMS));
    await Promise.all(
      slices.map((slice) =>
        writeBatch(this.client, this.tableName, slice, (error) => this.failure(error, slice[0])),
      ),
    );
  }
}
