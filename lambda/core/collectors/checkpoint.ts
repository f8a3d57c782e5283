import * as z from 'zod';
import { parseTimestamp } from '../records/timestamp';
import type { Checkpoint } from './types';
import { encodeEntry, entryOf, WRITTEN_ENTRY_PATTERN } from './written-ids';

const rfc3339 = z.string().refine((value) => parseTimestamp(value) !== undefined, 'must be an RFC 3339 time');

const common = {
  since: rfc3339,
  cursor: z.string().min(1).optional(),
  newestEventAt: rfc3339.optional(),
};

const checkpointSchema = z.discriminatedUnion('version', [
  z.strictObject({ version: z.literal(1), ...common, written: z.array(z.string().min(1)) }),
  z.strictObject({
    version: z.literal(2),
    ...common,
    written: z.array(z.string().regex(WRITTEN_ENTRY_PATTERN, 'must be "<epoch second>:<digest>"')),
    objectRecords: z.number().int().min(1).optional(),
  }),
]);

/**
 * A checkpoint in the current version. A version 1 one (whole ids, every one of them at `since`) is
 * turned into its exact equivalent, its ids hashed, so an upgrade neither skips nor repeats an event.
 */
export function currentCheckpoint(checkpoint: Checkpoint): Checkpoint {
  if (checkpoint.version === 2) return checkpoint;
  const at = parseTimestamp(checkpoint.since)!.epochMillis;
  return {
    ...checkpoint,
    version: 2,
    written: checkpoint.written.map((id) => encodeEntry(entryOf(id, at))),
  };
}

/**
 * A stored checkpoint read back, or a reason it cannot be used. An unreadable checkpoint is never
 * replaced by a fresh start: that could skip events (or re-send seven days of them) silently.
 */
export function parseCheckpoint(
  text: string,
): { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the stored checkpoint is not JSON' };
  }
  const parsed = checkpointSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `the stored checkpoint is not valid: ${issue.path.join('.') || '(root)'} ${issue.message}`,
    };
  }
  return { ok: true, checkpoint: currentCheckpoint(parsed.data) };
}
