/**
 * HEC answers an ack query at some moment between its send and its answer. If, meanwhile, a restarted
 * indexer gave an event request the very ackId the query answers `true` for, that `true` may be the new
 * request's, and only that request's answer can show it (see ack-reuse.ts). So a `true` read while event
 * requests of the channel are in flight is held until each of them has ended:
 *
 * - answered with an ackId: the answer was checked for reuse (which gives up the held waits) as it was read;
 * - answered without one (busy, refused…), or never reached HEC (connection refused): HEC numbered nothing;
 * - no answer (reset, timeout): HEC may have numbered it with a held id, and no answer will say so: the
 *   held `true`s cannot be trusted, their events are sent again.
 *
 * Every request ends within its own timeout (the transport's, never past the deadline), so nothing is held
 * longer than the slowest request in flight when the `true` was read.
 */

/** How an event request ended, for the `true`s held while it was in flight. */
export type RequestEnd = 'answered' | 'unanswered';

export class HeldAcks<T> {
  private next = 0;
  private readonly open = new Set<number>();
  /** Per held item, the requests it still waits for (one set shared by the items of one answer). */
  private readonly held = new Map<T, Set<number>>();

  /** Event requests in flight now. */
  get inFlight(): number {
    return this.open.size;
  }

  /** An event request leaves; its number is given back to `end`. */
  leave(): number {
    const request = this.next;
    this.next += 1;
    this.open.add(request);
    return request;
  }

  /**
   * Holds `items` until every request in flight now has ended. False: none is, they may be trusted now.
   */
  hold(items: readonly T[]): boolean {
    if (this.open.size === 0 || items.length === 0) return false;
    const blockers = new Set(this.open);
    for (const item of items) this.held.set(item, blockers);
    return true;
  }

  isHeld(item: T): boolean {
    return this.held.has(item);
  }

  /** The item was settled otherwise (given up, closed): nothing to release any more. */
  forget(item: T): void {
    this.held.delete(item);
  }

  /**
   * The request ended (ending twice is harmless). `released`: held items that no longer wait for any
   * request; `distrusted`: those it blocked when it ended without an answer.
   */
  end(request: number, how: RequestEnd): { released: T[]; distrusted: T[] } {
    const released: T[] = [];
    const distrusted: T[] = [];
    if (!this.open.delete(request)) return { released, distrusted };
    // The items of one answer share their set of blockers: look them all up before it changes.
    const blocked = [...this.held].filter(([, blockers]) => blockers.has(request));
    for (const [item, blockers] of blocked) {
      if (how === 'unanswered') {
        this.held.delete(item);
        distrusted.push(item);
        continue;
      }
      blockers.delete(request);
      if (blockers.size === 0) {
        this.held.delete(item);
        released.push(item);
      }
    }
    return { released, distrusted };
  }
}
