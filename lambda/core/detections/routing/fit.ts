import type { AlertDocument } from '../alerts/document';

/** What was left out of an alert document so that it fits a channel's size limit. */
export interface Trimmed {
  readonly samples: number;
  readonly records: number;
}

export type FittedAlert = AlertDocument & { readonly trimmed?: Trimmed };

/**
 * The alert document serialized within `maxBytes` (UTF-8), dropping first the samples (record content,
 * possibly large) and then record references from the end, and saying what it left out (`trimmed`).
 * The ids, counts, times and group are never dropped: a document that still does not fit is returned as
 * small as it gets, and the channel's refusal reports it.
 */
export function fitAlert(
  alert: AlertDocument,
  maxBytes: number,
  serialize: (document: FittedAlert) => string = (document) => JSON.stringify(document),
): string {
  const whole = serialize(alert);
  if (Buffer.byteLength(whole, 'utf8') <= maxBytes) return whole;
  let records = alert.records.length;
  for (;;) {
    const document: FittedAlert = {
      ...alert,
      samples: [],
      records: alert.records.slice(0, records),
      trimmed: { samples: alert.samples.length, records: alert.records.length - records },
    };
    const text = serialize(document);
    if (Buffer.byteLength(text, 'utf8') <= maxBytes || records === 0) return text;
    records = Math.floor(records / 2);
  }
}
