import { idFieldOf } from './collected-record';
import type { CollectorConfig } from './config';
import { EVENT_ID_FIELD } from './event-id';

/**
 * The top-level field of a collector's written events that holds each one's id: the forwarder reads
 * it (the source's `idFields[logType]`) so that an event written twice gets one `_id` in
 * Elasticsearch. The same answer as the type's client gives (`CollectorClient.idField`), known from
 * the configuration alone, for the configuration's validation and the stack.
 */
export function collectorIdField(config: CollectorConfig): string {
  switch (config.type) {
    case 'cirrus-siem':
    case 'stellarbridge-events':
      return EVENT_ID_FIELD;
    case 'http-json':
      return idFieldOf({ timestampPath: config.timestampField, idPath: config.idField });
  }
}

/**
 * The top-level field holding each event's time, when the events have one (the forwarder reads the
 * source's `timestampField`); undefined when the time is nested or varies per event (Stellarbridge's
 * `message.timestamp` or `time`).
 */
export function collectorTimestampField(config: CollectorConfig): string | undefined {
  switch (config.type) {
    case 'cirrus-siem':
      return 'timestamp';
    case 'stellarbridge-events':
      return undefined;
    case 'http-json':
      return config.timestampField.includes('.') ? undefined : config.timestampField;
  }
}
