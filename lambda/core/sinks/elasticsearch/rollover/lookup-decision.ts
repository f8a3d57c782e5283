import type { OutboundRecord } from '../../../records/types';

/**
 * How far a record's time may be ahead of the clock that wrote it (the vendor's, the cluster's) and
 * still be trusted as "not written before this time". Past it a record is looked up anyway.
 */
export const CLOCK_MARGIN_MS = 5 * 60_000;

/**
 * Whether a record may already be in a backing index older than the write index. A record is written
 * at or after its own time, so one whose time is at or after the write index's creation can only be
 * in the write index, where `create` answers 409 for it: in steady state no record needs a lookup,
 * on a replay of old data every one does. The record's time is the one sluice reads from the source's
 * timestamp field (the `@timestamp` it sends unless the record has its own), else the object's
 * LastModified: both are lower bounds of when the record can first have been written. The margin
 * covers clocks that disagree, and a record stamped in the future is looked up whatever its time.
 * `writtenElsewhereUntil` is the write index's creation, or, for an alias whose other indices hold
 * newer records than that, the newest of them.
 */
export function mayBeInOlderIndex(
  record: Pick<OutboundRecord, 'timestamp'>,
  writtenElsewhereUntil: number,
  now: number,
): boolean {
  const time = record.timestamp.epochMillis;
  return time < writtenElsewhereUntil + CLOCK_MARGIN_MS || time > now + CLOCK_MARGIN_MS;
}
