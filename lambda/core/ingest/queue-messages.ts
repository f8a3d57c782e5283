import { packSendBatches } from '../queue/send-batches';
import { LOG_TYPE_ATTRIBUTE, type RoutedEvent } from './events';

export { MAX_BATCH_ENTRIES } from '../queue/send-batches';

/**
 * Packing events into SQS messages: each message holds NDJSON lines of one log type and carries
 * that log type in the `logType` message attribute; SendMessageBatch takes up to 10 entries.
 */

export interface QueueMessage {
  readonly logType: string;
  readonly body: string;
  /** Positions, in the list given to `packMessages`, of the events this message carries (one per line). */
  readonly eventIndexes: readonly number[];
}

const ATTRIBUTE_TYPE = 'String';

/** SQS counts a message's size as its body plus each attribute's name, type and value (UTF-8 bytes). */
export function messageBytes(body: string, logType: string): number {
  return (
    Buffer.byteLength(body) +
    Buffer.byteLength(LOG_TYPE_ATTRIBUTE) +
    Buffer.byteLength(ATTRIBUTE_TYPE) +
    Buffer.byteLength(logType)
  );
}

/**
 * SQS refuses a few characters that JSON allows raw inside strings (U+FFFE, U+FFFF): they are
 * written as the equivalent `\u` escapes, which changes no value. Everything else passes unchanged.
 */
export function sqsSafe(line: string): string {
  return /[\uFFFE\uFFFF]/.test(line)
    ? line.replace(/[\uFFFE\uFFFF]/g, (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase()}`)
    : line;
}

/**
 * Consecutive events of a log type share a message until the next would exceed `maxMessageBytes`.
 * Events keep their order within a log type. Every event must fit in a message on its own
 * (`prepareRequest` checks that).
 */
export function packMessages(events: readonly RoutedEvent[], maxMessageBytes: number): QueueMessage[] {
  const open = new Map<string, { lines: string[]; indexes: number[]; bytes: number }>();
  const messages: QueueMessage[] = [];
  const close = (logType: string) => {
    const current = open.get(logType);
    if (!current) return;
    messages.push({ logType, body: current.lines.join('\n'), eventIndexes: current.indexes });
    open.delete(logType);
  };
  for (const [index, event] of events.entries()) {
    const line = event.line;
    const lineBytes = Buffer.byteLength(line);
    const current = open.get(event.logType);
    if (current && current.bytes + 1 + lineBytes > maxMessageBytes) close(event.logType);
    const target = open.get(event.logType);
    if (target) {
      target.lines.push(line);
      target.indexes.push(index);
      target.bytes += 1 + lineBytes;
    } else {
      open.set(event.logType, { lines: [line], indexes: [index], bytes: messageBytes(line, event.logType) });
    }
  }
  for (const logType of [...open.keys()]) close(logType);
  return messages;
}

/**
 * One message per event of `message`. Its lines are split on `\n`, which is safe because an event
 * line never holds a raw line break (`toSingleLine` removed those between tokens, and JSON strings
 * cannot contain one).
 */
export function splitMessage(message: QueueMessage): QueueMessage[] {
  const lines = message.body.split('\n');
  return lines.map((line, position) => ({
    logType: message.logType,
    body: line,
    eventIndexes: [message.eventIndexes[position]],
  }));
}

/** Groups messages into SendMessageBatch calls of at most 10 entries and `maxBatchBytes` in total. */
export function packBatches(messages: readonly QueueMessage[], maxBatchBytes: number): QueueMessage[][] {
  return packSendBatches(messages, maxBatchBytes, (message) => messageBytes(message.body, message.logType));
}
