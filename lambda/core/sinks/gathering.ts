/**
 * An object's place among the objects whose batches a gathering sink runs together (the detections
 * stage's waves: detections/stage/waves.ts). Such a sink runs what it gathered once none of the
 * objects it waits for could still add to it without waiting on that very run, so it must hear of
 * each change below. Every method is cheap and may be called again; `end` is final.
 *
 * The forwarder drives it: processMessage takes the ticket before the object waits for its slot
 * (ObjectSlots), the object's DestinationPipelines say when it waits on this sink or on another
 * destination and when it sends no more, forwardObject asks before giving up the slot early.
 */
export interface GatherTicket {
  /** The object has its slot and reads. A ticket taken without a slot pool is running from the start. */
  started(): void;
  /** Whether the object waits on this sink's answers: its batches in flight fill its share. */
  blocked(waiting: boolean): void;
  /**
   * Whether the object waits on another destination in trouble (it retries a batch: a 503, a 429, a
   * timeout), for its answers or for a request slot of its share (forward/troubled-waits.ts). Like
   * `blocked`, the sink then does not wait for it: it goes on only when that destination does.
   * Counted, not a flag: several destinations may be in trouble at once; each `true` is followed by
   * one `false`.
   */
  waitsElsewhere(waiting: boolean): void;
  /** The object hands this sink no more batches: reading is over, or the destination failed. */
  leave(): void;
  /**
   * Asked once the object's reading is over and the destinations that hold its slot are done:
   * whether it may give up its slot while its batches still wait on this sink. True counts their
   * bytes against the sink's budget until they are answered; false: the object keeps its slot until
   * then, and the sink counts it as waiting on itself.
   */
  mayReleaseSlot(): boolean;
  /** The object gave up its slot. */
  released(): void;
  /** The object is done (forwarded, failed or handed back): the sink no longer waits for it. */
  end(): void;
}
