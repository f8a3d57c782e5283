import type { IngestEvent } from './events';

/** Fields added to events that lack them, like seed 000's shipper does (`setdefault`). */
export interface EnrichmentDefaults {
  readonly source?: string;
  readonly app?: string;
  readonly env?: string;
}

export const ENRICHMENT_FIELDS = ['source', 'app', 'env'] as const;

/**
 * Adds each default the event does not already have as the object's last members, spliced into the
 * producer's text so that existing fields keep their order, spacing and spelling. A field that is
 * present is never touched, whatever its value (even `null`).
 */
export function enrich(event: IngestEvent, defaults: EnrichmentDefaults): IngestEvent {
  const added: [string, string][] = [];
  for (const field of ENRICHMENT_FIELDS) {
    const value = defaults[field];
    if (value !== undefined && !Object.hasOwn(event.value, field)) added.push([field, value]);
  }
  if (added.length === 0) return event;
  const close = event.text.lastIndexOf('}');
  const members = added
    .map(([field, value]) => `${JSON.stringify(field)}:${JSON.stringify(value)}`)
    .join(',');
  const separator = Object.keys(event.value).length === 0 ? '' : ',';
  return {
    text: `${event.text.slice(0, close)}${separator}${members}${event.text.slice(close)}`,
    value: { ...event.value, ...Object.fromEntries(added) },
  };
}
