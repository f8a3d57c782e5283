import type { OutboundRecord } from '../../records/types';
import { BodyWriter } from '../body-writer';
import { createTemplateRenderer } from '../template';

export interface BulkEncoderOptions {
  /** `{source}` / `{logType}` template. */
  readonly index: string;
  readonly indexByLogType: Readonly<Record<string, string>>;
  /** `record`: `_id` = record.id, so a resent record answers 409 instead of indexing twice. */
  readonly documentIds: 'record' | 'none';
}

export interface BulkEncoder {
  /** The index or data stream a record is written to (the `_index` of its action). */
  target(record: OutboundRecord): string;
  /** `{"create":{"_index":…,"_id":…}}` */
  actionLine(record: OutboundRecord): string;
  /** record.json, with `@timestamp` spliced in front unless the record has its own. */
  sourceLine(record: OutboundRecord): string;
  /** NDJSON action/source pairs, every line ending in `\n` (the bulk API requires the final newline). */
  encode(batch: readonly OutboundRecord[]): Buffer;
  /** Exact UTF-8 bytes the record's two lines add to a body. */
  encodedSize(record: OutboundRecord): number;
}

/** Bytes assumed per action line and timestamp when sizing a body buffer. */
const ENVELOPE_ESTIMATE = 160;

/**
 * Elasticsearch index names must be lower case; `{logType}` values such as `GitHubAudit` would otherwise
 * make every document fail with invalid_index_name_exception.
 */
const actionPrefix = (withIds: boolean) => (name: string) =>
  `{"create":{"_index":${JSON.stringify(name.toLowerCase())}${withIds ? ',"_id":' : '}}'}`;

const NEWLINE = Buffer.from('\n');

/** True for `{}` and `{ }`: the only objects with nothing after the opening brace. */
function isEmptyObject(json: Uint8Array): boolean {
  for (let index = 1; index < json.length; index += 1) {
    const char = json[index];
    if (char === 0x7d /* } */) return true;
    if (char !== 0x20 && char !== 0x09 && char !== 0x0a && char !== 0x0d) return false;
  }
  return false;
}

/** A record's own `@timestamp` wins; otherwise (and only for JSON objects) one is spliced in. */
function needsTimestamp(record: OutboundRecord): boolean {
  const { bytes } = record;
  if (bytes[0] !== 0x7b /* { */) return false;
  // Without `\u` escapes, a key `@timestamp` can only be written as such: no need to parse the record.
  if (bytes.indexOf('@timestamp') === -1 && bytes.indexOf('\\u') === -1) return true;
  return !Object.prototype.hasOwnProperty.call(record.value, '@timestamp');
}

/**
 * `create` (not `index`): data streams accept only `create`, and with deterministic ids a retried record
 * answers 409 instead of being indexed twice. Everything is concatenation around the record's bytes: the
 * `@timestamp` goes right after the opening brace, so the record is never parsed or re-serialized.
 */
export function createBulkEncoder(options: BulkEncoderOptions): BulkEncoder {
  const withIds = options.documentIds === 'record';
  const defaultIndex = createTemplateRenderer(options.index, actionPrefix(withIds));
  const perLogType = new Map(
    Object.entries(options.indexByLogType).map(([logType, template]) => [
      logType,
      createTemplateRenderer(template, actionPrefix(withIds)),
    ]),
  );
  const prefix = (record: OutboundRecord): string => (perLogType.get(record.logType) ?? defaultIndex)(record);
  const lowerCase = (name: string) => name.toLowerCase();
  const defaultTarget = createTemplateRenderer(options.index, lowerCase);
  const targetByLogType = new Map(
    Object.entries(options.indexByLogType).map(([logType, template]) => [
      logType,
      createTemplateRenderer(template, lowerCase),
    ]),
  );

  let lastPrefix = '';
  let lastPrefixBytes = 0;
  const prefixBytes = (record: OutboundRecord): number => {
    const text = prefix(record);
    if (text !== lastPrefix) {
      lastPrefix = text;
      lastPrefixBytes = Buffer.byteLength(text);
    }
    return lastPrefixBytes;
  };

  const actionLine = (record: OutboundRecord): string =>
    withIds ? `${prefix(record)}${JSON.stringify(record.id)}}}` : prefix(record);

  const timestampField = (record: OutboundRecord): string =>
    `"@timestamp":${JSON.stringify(record.timestamp.iso)}`;

  const sourceLine = (record: OutboundRecord): string => {
    if (!needsTimestamp(record)) return record.json;
    // `{}` becomes `{"@timestamp":"…"}`: no comma, and any inner whitespace is dropped.
    return isEmptyObject(record.bytes)
      ? `{${timestampField(record)}}`
      : `{${timestampField(record)},${record.json.slice(1)}`;
  };

  /** sourceLine, written into the body: the record's bytes are copied, never decoded. */
  const writeSourceLine = (writer: BodyWriter, record: OutboundRecord): void => {
    if (!needsTimestamp(record)) {
      writer.writeBytes(record.bytes);
    } else if (isEmptyObject(record.bytes)) {
      writer.write(`{${timestampField(record)}}`);
    } else {
      writer.write(`{${timestampField(record)},`);
      writer.writeBytes(record.bytes.subarray(1));
    }
    writer.writeBytes(NEWLINE);
  };

  return {
    target: (record) => (targetByLogType.get(record.logType) ?? defaultTarget)(record),
    actionLine,
    sourceLine,
    encode(batch) {
      let estimate = 0;
      for (const record of batch) estimate += record.bytes.length + ENVELOPE_ESTIMATE;
      const writer = new BodyWriter(estimate);
      for (const record of batch) {
        writer.write(`${actionLine(record)}\n`);
        writeSourceLine(writer, record);
      }
      return writer.bytes();
    },
    encodedSize(record) {
      const action = prefixBytes(record) + (withIds ? Buffer.byteLength(JSON.stringify(record.id)) + 2 : 0);
      let source: number;
      if (!needsTimestamp(record)) source = record.bytes.length;
      else if (isEmptyObject(record.bytes))
        source = record.timestamp.iso.length + 17; // {"@timestamp":"…"}
      else source = record.bytes.length + record.timestamp.iso.length + 16; // "@timestamp":"…",
      return action + source + 2;
    },
  };
}
