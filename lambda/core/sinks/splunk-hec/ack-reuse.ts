/**
 * HEC numbers the requests of a channel 0, 1, 2… in the order it takes them, and keeps that count in
 * the indexer's memory. After an indexer (or HEC) restart, or when a load balancer moves the channel to
 * another indexer, the count starts again at 0: a new request can be given the ackId of an older one
 * still awaited, and a `true` meant for the new one would confirm the old one, whose events may have died
 * with the restart. These are the signs, read from each event answer, that the count started again.
 */

/** What was known when an event request left: HEC must give it a higher ackId than any read before. */
export interface SendMark {
  /** The highest ackId read from an answer before the request left (-1: none yet). */
  readonly highest: number;
  /** How many ackIds had been registered then: those registered later were in flight alongside it. */
  readonly registered: number;
  /** The request's number among those in flight (see held-acks.ts): its end is reported with it. */
  readonly request: number;
  /** Other event requests in flight when it left: a restarted indexer may have numbered them after it. */
  readonly alongside: number;
}

export interface AckIdReuse {
  readonly reason: string;
  /** The new ackId cannot be trusted either: its events are to be sent again too. */
  readonly includesNew: boolean;
}

/**
 * Whether `ackId`, read from the answer to a request that left at `sent`, shows that the channel's count
 * started again. `twin` is the wait registered earlier under the same ackId, if any.
 *
 * - An ackId no higher than one read before the request left: HEC took this request after that one, so
 *   its count went back.
 * - The same ackId as a request in flight alongside it: either may be the one the new count numbered,
 *   so neither's `true` can be trusted.
 */
export function detectAckIdReuse(
  ackId: number,
  sent: SendMark,
  twin: { readonly registered: number } | undefined,
): AckIdReuse | undefined {
  if (twin && twin.registered >= sent.registered) {
    return { reason: `ackId ${ackId} was given to two requests in flight together`, includesNew: true };
  }
  if (twin || ackId <= sent.highest) {
    return {
      reason: `ackId ${ackId} came after ackId ${Math.max(sent.highest, ackId)} on the same channel`,
      includesNew: false,
    };
  }
  return undefined;
}
