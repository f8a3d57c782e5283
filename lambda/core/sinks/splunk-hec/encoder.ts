import type { OutboundRecord } from '../../records/types';
import { BodyWriter } from '../body-writer';
import { createTemplateRenderer } from '../template';

export interface HecEncoderOptions {
  readonly host?: string;
  readonly index?: string;
  /** Per log type, an index used instead of `index`. Default: none. */
  readonly indexByLogType?: Readonly<Record<string, string>>;
  /** `{source}` / `{logType}` template. */
  readonly sourcetype: string;
}

export interface HecEncoder {
  /** One event object, `{"time":…,"source":…,"sourcetype":…,"event":<record>}`. */
  event(record: OutboundRecord): string;
  /** Stacked events, one per line (HEC accepts concatenated objects; newlines keep bodies readable). */
  encode(batch: readonly OutboundRecord[]): Buffer;
  /** Exact UTF-8 bytes the event and its newline add to a body, without building it. */
  encodedSize(record: OutboundRecord): number;
}

/**
 * `\d{1,12}(\.\d{1,9})?`: a JSON number literal, so the decimal epoch text is spliced in as-is and
 * nanoseconds survive. Checked without a regular expression: it runs twice per record.
 */
function isPlainDecimal(text: string): boolean {
  let digits = 0;
  let point = -1;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x2e /* . */ && point === -1 && digits > 0) {
      point = index;
    } else if (code >= 0x30 && code <= 0x39) {
      digits += 1;
    } else {
      return false;
    }
  }
  if (point === -1) return digits >= 1 && digits <= 12;
  const fractionDigits = text.length - point - 1;
  return point <= 12 && fractionDigits >= 1 && fractionDigits <= 9;
}

/** `{"time":` + epoch seconds with nanoseconds, and the closing `}` and newline. */
const OPENING_BYTES = 34;

/** Envelopes remembered (one per object and sourcetype); the handler's batch holds 10 objects. */
const MAX_REMEMBERED_OBJECTS = 64;

/** The envelope fields after `time`, for the records of one object (by key) with one sourcetype and index. */
interface Envelope {
  readonly bucket: string;
  readonly sourcetype: string;
  /** `,"index":…` or empty. */
  readonly index: string;
  /** `,"host":…,"index":…,"source":…,"sourcetype":…,"event":` */
  readonly rest: string;
  /** `rest` as UTF-8, copied into bodies as is. */
  readonly restBytes: Buffer;
}

const EVENT_END = Buffer.from('}\n');
const TIME_FIELD = Buffer.from('{"time":');
const OPEN_BRACE = Buffer.from('{');

/**
 * Builds the HEC envelope around the record's bytes without parsing or re-serializing the record: that
 * is most of the forwarder's CPU budget saved. The envelope fields after `time` are the same for every
 * record of an object, so they are built and encoded once per object, not per record.
 */
export function createHecEncoder(options: HecEncoderOptions): HecEncoder {
  // host is constant per destination, the index per log type: pre-quote them once.
  const host = options.host !== undefined ? `,"host":${JSON.stringify(options.host)}` : '';
  const indexField = (index: string | undefined) =>
    index !== undefined ? `,"index":${JSON.stringify(index)}` : '';
  const defaultIndex = indexField(options.index);
  const indexByLogType = new Map(
    Object.entries(options.indexByLogType ?? {}).map(([logType, index]) => [logType, indexField(index)]),
  );
  const sourcetype = createTemplateRenderer(options.sourcetype, (rendered) => JSON.stringify(rendered));

  // Kept per object, not just for the last one: the handler forwards the objects of its batch in
  // parallel, so consecutive records often come from different objects.
  const envelopes = new Map<string, Envelope>();
  // The envelope depends only on these four fields: records come by the hundred with the same ones,
  // and comparing them (the same strings, usually the same objects) costs less than the lookups.
  let lastBucket: string | undefined;
  let lastKey: string | undefined;
  let lastSource: string | undefined;
  let lastLogType: string | undefined;
  let lastEnvelope: Envelope | undefined;
  const envelopeOf = (record: OutboundRecord): Envelope => {
    if (
      record.key === lastKey &&
      record.bucket === lastBucket &&
      record.source === lastSource &&
      record.logType === lastLogType
    )
      return lastEnvelope!;
    const quotedSourcetype = sourcetype(record);
    // A record's own logType field can differ from its object's: the index is looked up per record.
    const index =
      indexByLogType.size === 0 ? defaultIndex : (indexByLogType.get(record.logType) ?? defaultIndex);
    let envelope = envelopes.get(record.key);
    if (
      envelope === undefined ||
      envelope.bucket !== record.bucket ||
      envelope.sourcetype !== quotedSourcetype ||
      envelope.index !== index
    ) {
      if (envelopes.size >= MAX_REMEMBERED_OBJECTS) envelopes.clear();
      const source = JSON.stringify(`s3://${record.bucket}/${record.key}`);
      const rest = `${host}${index},"source":${source},"sourcetype":${quotedSourcetype},"event":`;
      envelope = {
        bucket: record.bucket,
        sourcetype: quotedSourcetype,
        index,
        rest,
        restBytes: Buffer.from(rest),
      };
      envelopes.set(record.key, envelope);
    }
    lastBucket = record.bucket;
    lastKey = record.key;
    lastSource = record.source;
    lastLogType = record.logType;
    lastEnvelope = envelope;
    return envelope;
  };

  /** The `time` value (ASCII), or undefined when the record has no usable time. */
  const timeOf = (record: OutboundRecord): string | undefined => {
    const text = record.timestamp.epochSeconds;
    if (isPlainDecimal(text)) return text;
    // Not a plain decimal (should not happen): fall back to the millisecond value rather than send bad JSON.
    const millis = record.timestamp.epochMillis;
    return Number.isFinite(millis) ? (millis / 1000).toFixed(3) : undefined;
  };

  return {
    event(record) {
      const time = timeOf(record);
      const { rest } = envelopeOf(record);
      // Without a time field, `rest` (which starts with a comma) opens the object itself.
      const head = time === undefined ? `{${rest.slice(1)}` : `{"time":${time}${rest}`;
      return `${head}${record.json}}`;
    },
    encode(batch) {
      // A cheap estimate; the writer grows if short, which doubles the buffer and copies it, so the
      // envelope is counted as it is rather than guessed.
      let estimate = 0;
      for (const record of batch)
        estimate += record.bytes.length + envelopeOf(record).restBytes.length + OPENING_BYTES;
      const writer = new BodyWriter(estimate);
      for (const record of batch) {
        const time = timeOf(record);
        const { restBytes } = envelopeOf(record);
        if (time === undefined) {
          writer.writeBytes(OPEN_BRACE);
          writer.writeBytes(restBytes.subarray(1));
        } else {
          // Both ASCII (timeOf checked the digits): copied byte by byte, no text to encode.
          writer.writeBytes(TIME_FIELD);
          writer.writeAscii(time);
          writer.writeBytes(restBytes);
        }
        writer.writeBytes(record.bytes);
        writer.writeBytes(EVENT_END);
      }
      return writer.bytes();
    },
    encodedSize(record) {
      const time = timeOf(record);
      const { restBytes } = envelopeOf(record);
      // `{"time":` + time, or just `{` in place of rest's leading comma.
      const opening = time === undefined ? 0 : 8 + time.length;
      return opening + restBytes.length + record.bytes.length + EVENT_END.length;
    },
  };
}
