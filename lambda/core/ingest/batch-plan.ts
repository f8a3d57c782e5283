import { buildObjectKey } from '../layout/key-layout';
import { parseBody } from './body';
import { enrich, type EnrichmentDefaults } from './enrich';
import type { RejectionCode } from './events';
import { resolveLogType, type LogTypePolicy } from './log-type';

/** One SQS message as the batcher sees it. */
export interface IngestMessage {
  readonly id: string;
  readonly body: string;
  /** The `logType` message attribute, when the producer set one. */
  readonly logType?: string;
}

/** When to cut an object. The vendor contract (seed 003): 1000 entries or about 100 MiB. */
export interface ObjectLimits {
  readonly maxEntriesPerObject: number;
  /** Uncompressed NDJSON bytes, newlines included. An event larger than this gets an object to itself. */
  readonly maxBytesPerObject: number;
}

export const DEFAULT_OBJECT_LIMITS: ObjectLimits = {
  maxEntriesPerObject: 1000,
  maxBytesPerObject: 100 * 1024 * 1024,
};

export interface BatchPlanOptions extends LogTypePolicy, ObjectLimits {
  /** Key prefix the objects go under: `<prefix>/<logType>/YYYY/MM/DD/HH/MM/<uuid>.json[.gz]`. */
  readonly prefix: string;
  readonly gzip: boolean;
  readonly enrichment?: EnrichmentDefaults;
}

export interface ObjectGroup<T> {
  readonly logType: string;
  readonly lines: readonly string[];
  /** Uncompressed size of the NDJSON body (`ndjsonBody(lines)`), in bytes. */
  readonly bytes: number;
  /** Where the lines came from, each once, in order of first appearance. */
  readonly origins: readonly T[];
}

export interface PlannedObject extends ObjectGroup<string> {
  readonly key: string;
}

/** A message whose content can never be written (retrying would not help), kept with the reason. */
export interface QuarantinedMessage {
  readonly messageId: string;
  readonly code: RejectionCode;
  readonly reason: string;
  readonly body: string;
}

export interface BatchPlan {
  readonly objects: readonly PlannedObject[];
  readonly quarantined: readonly QuarantinedMessage[];
}

/**
 * Groups lines by log type, in arrival order, into objects of at most `maxEntriesPerObject` lines
 * and `maxBytesPerObject` bytes.
 */
export function groupIntoObjects<T>(
  entries: Iterable<{ readonly logType: string; readonly line: string; readonly origin: T }>,
  limits: ObjectLimits,
): ObjectGroup<T>[] {
  const open = new Map<string, { lines: string[]; bytes: number; origins: Set<T> }>();
  const groups: ObjectGroup<T>[] = [];
  const close = (logType: string) => {
    const group = open.get(logType);
    if (!group) return;
    groups.push({ logType, lines: group.lines, bytes: group.bytes, origins: [...group.origins] });
    open.delete(logType);
  };
  for (const { logType, line, origin } of entries) {
    const size = Buffer.byteLength(line) + 1;
    const current = open.get(logType);
    if (
      current &&
      (current.lines.length >= limits.maxEntriesPerObject || current.bytes + size > limits.maxBytesPerObject)
    ) {
      close(logType);
    }
    const group = open.get(logType) ?? { lines: [], bytes: 0, origins: new Set<T>() };
    group.lines.push(line);
    group.bytes += size;
    group.origins.add(origin);
    open.set(logType, group);
  }
  for (const logType of [...open.keys()]) close(logType);
  return groups;
}

/** An object body: one event per line, each line ending in `\n`. */
export function ndjsonBody(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * What one batcher invocation writes: every event of the valid messages grouped into objects by
 * log type, and the messages that can never be written (not JSON, no or a bad log type) set aside
 * whole for the quarantine. A message is quarantined or written, never both.
 */
export function planBatch(
  messages: readonly IngestMessage[],
  options: BatchPlanOptions,
  at: Date,
  newId: () => string,
): BatchPlan {
  const quarantined: QuarantinedMessage[] = [];
  const accepted: { logType: string; line: string; origin: string }[] = [];
  for (const message of messages) {
    const parsed = parseBody(message.body, 'json');
    if (parsed.rejection) {
      const { code, reason } = parsed.rejection;
      quarantined.push({ messageId: message.id, code, reason, body: message.body });
      continue;
    }
    const lines: { logType: string; line: string; origin: string }[] = [];
    for (const [index, event] of parsed.events.entries()) {
      const resolved = resolveLogType(event.value, options, message.logType);
      if (!resolved.ok) {
        quarantined.push({
          messageId: message.id,
          code: resolved.code,
          reason: `event ${index} ${resolved.reason}`,
          body: message.body,
        });
        break;
      }
      const text = options.enrichment ? enrich(event, options.enrichment).text : event.text;
      lines.push({ logType: resolved.logType, line: text, origin: message.id });
    }
    if (lines.length === parsed.events.length) accepted.push(...lines);
  }
  const objects = groupIntoObjects(accepted, options).map((group) => ({
    ...group,
    key: buildObjectKey({
      prefix: options.prefix,
      logType: group.logType,
      at,
      id: newId(),
      gzip: options.gzip,
    }),
  }));
  return { objects, quarantined };
}
