import { parseBody, type BodyFormat } from './body';
import type { Rejection, RoutedEvent } from './events';
import { resolveLogType, type LogTypePolicy } from './log-type';
import { messageBytes, sqsSafe } from './queue-messages';

export interface PrepareOptions extends LogTypePolicy {
  /** The ingest queue's maximum message size: an event that cannot fit in one message is refused. */
  readonly maxMessageBytes: number;
}

/** The events of a request, ready to enqueue, up to the first one that cannot be accepted. */
export interface PreparedRequest {
  readonly events: readonly RoutedEvent[];
  readonly rejection?: Rejection;
}

/** Parses a request body, decides each event's log type and checks that it fits in a queue message. */
export function prepareRequest(text: string, format: BodyFormat, options: PrepareOptions): PreparedRequest {
  const parsed = parseBody(text, format);
  const events: RoutedEvent[] = [];
  for (const [index, event] of parsed.events.entries()) {
    const resolved = resolveLogType(event.value, options);
    if (!resolved.ok) {
      return {
        events,
        rejection: { index, code: resolved.code, reason: `event ${index} ${resolved.reason}` },
      };
    }
    const line = sqsSafe(event.text);
    if (messageBytes(line, resolved.logType) > options.maxMessageBytes) {
      return {
        events,
        rejection: {
          index,
          code: 'EVENT_TOO_LARGE',
          reason: `event ${index} is larger than the ${options.maxMessageBytes}-byte queue message limit`,
        },
      };
    }
    events.push({ logType: resolved.logType, line });
  }
  return parsed.rejection ? { events, rejection: parsed.rejection } : { events };
}
