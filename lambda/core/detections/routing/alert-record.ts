import * as z from 'zod';
import type { AlertDocument } from '../alerts/document';
import { LEVELS } from '../sigma/types';
import type { RoutedKind } from './table';

/**
 * One line of a `sluice-alerts` object, as the detections stage writes it: the alert document, its
 * `status` (`opened` / `updated`) and `eventId` (unique per written alert event).
 */
export type AlertRecord = AlertDocument & { readonly status: RoutedKind; readonly eventId: string };

const text = z.string();
const count = z.number().finite().nonnegative();

/**
 * Every field a channel's encoder reads, with its type: a record that passes cannot make an encoder
 * throw (which would be reported as a failure and retried until the DLQ). Fields it does not know are
 * kept and sent on (a webhook receives the document as written).
 */
const alertRecord = z.looseObject({
  eventId: text.min(1),
  status: z.enum(['opened', 'updated']),
  alertId: text.min(1),
  dedupKey: text.min(1),
  rule: z.looseObject({
    key: text.min(1),
    id: text.optional(),
    name: text.optional(),
    title: text,
    description: text.optional(),
    type: z.enum(['detection', 'event_count', 'value_count']),
    file: text,
  }),
  level: z.enum(LEVELS),
  tags: z.array(text),
  attack: z.looseObject({ tactics: z.array(text), techniques: z.array(text) }),
  group: z.record(text, z.union([text, z.number(), z.boolean(), z.null()])),
  count,
  threshold: z
    .looseObject({ comparison: z.enum(['gt', 'gte']), value: z.number().finite(), timespanMs: count })
    .optional(),
  values: z.array(text).optional(),
  firstEventTime: text,
  lastEventTime: text,
  occurrences: count,
  period: z.looseObject({ start: text, end: text }),
  records: z.array(z.looseObject({ id: text, location: text, offset: z.number().finite(), eventTime: text })),
  omittedRecords: count,
  samples: z.array(z.record(text, z.unknown())),
  openedBy: text,
  detectedAt: text,
});

export type AlertRecordReading =
  { readonly ok: true; readonly alert: AlertRecord } | { readonly ok: false; readonly problem: string };

const PROBLEMS_SHOWN = 3;

/**
 * Reads a `sluice-alerts` record as an alert. The problem names the fields at fault and what was
 * expected, never their values (samples hold record content).
 */
export function readAlertRecord(value: unknown): AlertRecordReading {
  const parsed = alertRecord.safeParse(value);
  if (parsed.success) return { ok: true, alert: parsed.data as unknown as AlertRecord };
  const { issues } = parsed.error;
  const shown = issues
    .slice(0, PROBLEMS_SHOWN)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(record)'}: ${issue.message}`);
  const more = issues.length > PROBLEMS_SHOWN ? `; and ${issues.length - PROBLEMS_SHOWN} more` : '';
  return { ok: false, problem: `not an alert document: ${shown.join('; ')}${more}` };
}
