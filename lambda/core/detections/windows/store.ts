import type { RecordRef } from '../records';

/** One record's part in a windowed count: counted once per partition, whatever its deliveries. */
export interface Contribution {
  readonly ref: RecordRef;
  /** value_count: the counted field's value as text. */
  readonly value?: string;
  /** The record itself, kept for the alert's samples (an adapter may drop large ones). */
  readonly sample?: Readonly<Record<string, unknown>>;
}

/**
 * Where windowed counts live. A partition is one correlation rule and one group (e.g. one account).
 * Implementations must make `add` idempotent per (partition, record id): a record redelivered by SQS,
 * re-read after a continuation, or replayed, is stored once (or stored twice and answered once by
 * `range`, as the DynamoDB adapter does: see DynamoDbWindowStore).
 */
export interface WindowStore {
  /** Stores the contributions not stored yet; resolves with how many were new. */
  add(partition: string, contributions: readonly Contribution[], expiresAtMs: number): Promise<number>;
  /**
   * Every stored contribution of the partition with an event time in [fromMs, toMs], in any order:
   * at least every one whose `add` completed before this call, whoever added it (strongly
   * consistent; evaluateWindows' claim rests on it).
   */
  range(
    partition: string,
    fromMs: number,
    toMs: number,
    /**
     * The very array the caller just passed to `add` for this partition, which it merges with the
     * answer itself: the store may leave out what it stored of it (the DynamoDB adapter then skips
     * decoding its own items again). Default: nothing held, every stored contribution is answered.
     */
    heldByCaller?: readonly Contribution[],
  ): Promise<readonly Contribution[]>;
}
