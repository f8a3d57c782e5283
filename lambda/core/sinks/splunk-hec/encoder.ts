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

/** Bytes assumed per envelope when sizing a body buffer: time, source key and sourcetype fit in most. */
const ENVELOPE_ESTIMATE = 192;

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

  // `,"host":…,"index":…,"source":…,"sourcetype":…,"event":` for the last object seen, and its byte size.
  let lastBucket: string | undefined;
  let lastKey: string | undefined;
  let lastSourcetype: string | undefined;
  let rest = '';
  let restBytes = 0;
  const restOf = (record: OutboundRecord): string => {
    const quotedSourcetype = sourcetype(record);
    if (record.bucket !== lastBucket || record.key !== lastKey || quotedSourcetype !== lastSourcetype) {
      lastBucket = record.bucket;
      lastKey = record.key;
      lastSourcetype = quotedSourcetype;
      const source = JSON.stringify(`s3://${record.bucket}/${record.key}`);
      rest = `${fixedFields},"source":${source},"sourcetype":${quotedSourcetype},"event":`;
      restBytes = Buffer.byteLength(rest);
    }
    return rest;
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
    const fields = restOf(record);
    return open === '{' ? [open, fields.slice(1)] : [open, fields];
  };

  const encodedSize = (record: OutboundRecord): number => {
    const open = opening(record);
    restOf(record);
    return open.length + restBytes - (open === '{' ? 1 : 0) + Buffer.byteLength(record.json) + 2;
  };

  return {
    event(record) {
      const [open, fields] = head(record);
      return `${open}${fields}${record.json}}`;
    },
    encode(batch) {
      // A cheap over-estimate (exact sizing costs a UTF-8 scan per record); the writer grows if short.
      let estimate = 0;
      for (const record of batch) estimate += record.json.length + ENVELOPE_ESTIMATE;
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
