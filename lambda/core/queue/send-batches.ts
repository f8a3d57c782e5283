/** SQS's limit on entries per SendMessageBatch call. */
export const MAX_BATCH_ENTRIES = 10;

/**
 * Groups items, in order, into SendMessageBatch calls of at most 10 entries and `maxBatchBytes` in
 * total (SQS counts a batch's message sizes together); an item larger than that goes alone.
 */
export function packSendBatches<T>(
  items: readonly T[],
  maxBatchBytes: number,
  sizeOf: (item: T) => number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
