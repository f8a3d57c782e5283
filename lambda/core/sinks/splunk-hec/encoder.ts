import type { OutboundRecord } from '../../records/types';
import { BodyWriter } from '../body-writer';
import { createTemplateRenderer } from '../template';

export interface HecEncoderOptions {
  readonly host?: string;
  readonly index?: string;
  /** `{source}` / `{logType}` template. */
  readonly sourcetype: string;
}

export interface HecEncoder {
  /** One event object, `{"time":…,"source":…,"sourcetype":…,"event":<record.json>}`. */
  event(record: OutboundRecord): string;
  /** Stacked events, one per line (HEC accepts concatenated objects; newlines keep bodies readable). */
  encode(batch: readonly OutboundRecord[]): Buffer;
  /** Exact UTF-8 bytes the event and its newline add to a body, without building it. */
  encodedSize(record: OutboundRecord): number;
}

/** A JSON number literal: the decimal epoch text is spliced in as-is so nanoseconds survive. */
const DECIMAL = /^\d{1,12}(\.\d{1,9})?$/;

/** `{"time":` + epoch seconds with nanoseconds, and the closing `}` and newline. */
const OPENING_BYTES = 34;

/** Envelopes remembered (one per object and sourcetype); the handler's batch holds 10 objects. */
const MAX_REMEMBERED_OBJECTS = 64;

/** The envelope fields after `time`, for the records of one object (by key) with one sourcetype. */
interface Envelope {
  readonly bucket: string;
  readonly sourcetype: string;
  readonly rest: string;
  readonly restBytes: number;
}

/**
 * Builds the HEC envelope around `record.json` without parsing or re-serializing the record: that is most
 * of the forwarder's CPU budget saved. The envelope fields after `time` are the same for every record of
 * an object, so they are built and measured once per object, not per record.
 */
export function createHecEncoder(options: HecEncoderOptions): HecEncoder {
  // host and index are constant per destination: pre-quote them once.
  const fixedFields =
    (options.host !== undefined ? `,"host":${JSON.stringify(options.host)}` : '') +
    (options.index !== undefined ? `,"index":${JSON.stringify(options.index)}` : '');
  const sourcetype = createTemplateRenderer(options.sourcetype, (rendered) => JSON.stringify(rendered));

  // `,"host":…,"index":…,"source":…,"sourcetype":…,"event":` per object and sourcetype, with its byte
  // size. Kept per object, not just for the last one: the handler forwards the objects of its batch in
  // parallel, so consecutive records often come from different objects.
  const envelopes = new Map<string, Envelope>();
  const envelopeOf = (record: OutboundRecord): Envelope => {
    const quotedSourcetype = sourcetype(record);
    let envelope = envelopes.get(record.key);
    if (
      envelope === undefined ||
      envelope.bucket !== record.bucket ||
      envelope.sourcetype !== quotedSourcetype
    ) {
      if (envelopes.size >= MAX_REMEMBERED_OBJECTS) envelopes.clear();
      const source = JSON.stringify(`s3://${record.bucket}/${record.key}`);
      const rest = `${fixedFields},"source":${source},"sourcetype":${quotedSourcetype},"event":`;
      envelope = {
        bucket: record.bucket,
        sourcetype: quotedSourcetype,
        rest,
        restBytes: Buffer.byteLength(rest),
      };
      envelopes.set(record.key, envelope);
    }
    return envelope;
  };

  /** `{"time":<seconds>` (ASCII), or `{` when the record has no usable time. */
  const opening = (record: OutboundRecord): string => {
    const text = record.timestamp.epochSeconds;
    if (DECIMAL.test(text)) return `{"time":${text}`;
    // Not a plain decimal (should not happen): fall back to the millisecond value rather than send bad JSON.
    const millis = record.timestamp.epochMillis;
    return Number.isFinite(millis) ? `{"time":${(millis / 1000).toFixed(3)}` : '{';
  };

  /** Without a time field, `rest` (which starts with a comma) opens the object itself. */
  const head = (record: OutboundRecord): [string, string] => {
    const open = opening(record);
    const fields = envelopeOf(record).rest;
    return open === '{' ? [open, fields.slice(1)] : [open, fields];
  };

  const encodedSize = (record: OutboundRecord): number => {
    const open = opening(record);
    const { restBytes } = envelopeOf(record);
    return open.length + restBytes - (open === '{' ? 1 : 0) + Buffer.byteLength(record.json) + 2;
  };

  return {
    event(record) {
      const [open, fields] = head(record);
      return `${open}${fields}${record.json}}`;
    },
    encode(batch) {
      // A cheap estimate (exact sizing costs a UTF-8 scan per record); the writer grows if short, which
      // doubles the buffer and copies it, so the envelope is counted as it is rather than guessed.
      let estimate = 0;
      for (const record of batch)
        estimate += record.json.length + envelopeOf(record).restBytes + OPENING_BYTES;
      const writer = new BodyWriter(estimate);
      for (const record of batch) {
        const [open, fields] = head(record);
        writer.write(`${open}${fields}${record.json}}\n`);
      }
      return writer.bytes();
    },
    encodedSize,
  };
}
