import { createHash } from 'node:crypto';

/**
 * How a checkpoint remembers an event already written: the second of its time and a digest of its
 * id, as `<epoch second>:<digest>`. A fixed size whatever the API's ids (up to 200 bytes each), so
 * that thousands of them stay far below DynamoDB's 400 KB item limit; the second lets a run forget
 * the ids that fell out of its lookback window.
 */
export interface WrittenEntry {
  readonly second: number;
  readonly digest: string;
}

/** 16 base64url characters of SHA-256 (96 bits): no collision in any realistic number of events. */
const DIGEST_LENGTH = 16;
/** Bumped only if the scheme changes: stored checkpoints would no longer recognise their ids. */
const SCHEME = 'sluice-collector-written-v1';

export const WRITTEN_ENTRY_PATTERN = /^-?\d{1,12}:[A-Za-z0-9_-]{16}$/;
/** The longest an entry can be in the checkpoint's JSON: its characters, two quotes and a comma. */
export const MAX_ENTRY_JSON_BYTES = 1 + 12 + 1 + DIGEST_LENGTH + 3;

export function idDigest(id: string): string {
  return createHash('sha256')
    .update(SCHEME)
    .update('\n')
    .update(id)
    .digest('base64url')
    .slice(0, DIGEST_LENGTH);
}

export function encodeEntry(entry: WrittenEntry): string {
  return `${entry.second}:${entry.digest}`;
}

/** Reads an entry a checkpoint holds (the checkpoint's schema checked its shape). */
export function decodeEntry(text: string): WrittenEntry {
  const colon = text.indexOf(':');
  return { second: Number(text.slice(0, colon)), digest: text.slice(colon + 1) };
}

/** The entry of an event from its id and its time in epoch milliseconds. */
export function entryOf(id: string, epochMillis: number): WrittenEntry {
  return { second: Math.floor(epochMillis / 1000), digest: idDigest(id) };
}
