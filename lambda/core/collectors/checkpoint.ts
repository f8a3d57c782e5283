import * as z from 'zod';
import { parseTimestamp } from '../records/timestamp';
import type { Checkpoint } from './types';

const rfc3339 = z.string().refine((value) => parseTimestamp(value) !== undefined, 'must be an RFC 3339 time');

const checkpointSchema = z.strictObject({
  version: z.literal(1),
  since: rfc3339,
  cursor: z.string().min(1).optional(),
  written: z.array(z.string().min(1)),
  newestEventAt: rfc3339.optional(),
});

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
  return { ok: true, checkpoint: parsed.data };
}
