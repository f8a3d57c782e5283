import { copyRaw } from './raw-capture';
import { parseRecordText, type ParsedRecord } from './parse-record';
import type { InvalidCode, InvalidEvent, ReadEvent } from './read-event';

/**
 * Builds events for the splitters and applies what is common to every format: the record size limit
 * and `skipBefore` (checked before parsing, so resuming a gzip object does not pay for the records it
 * skips).
 */
export class EventFactory {
  constructor(
    readonly maxRecordBytes: number,
    private readonly skipBefore: number,
  ) {}

  /** False for events a resumed read has already produced. */
  wanted(offset: number): boolean {
    return offset >= this.skipBefore;
  }

  /** The record in `source[start, end)`, or why it is not one. */
  fromBytes(source: Buffer, start: number, end: number, offset: number, singleLine: boolean): ReadEvent {
    const text = source.toString('utf8', start, end);
    return this.fromParsed(parseRecordText(text), text, source, start, end, offset, singleLine);
  }

  /** Like fromBytes, for a caller that already parsed the text to decide how to read it. */
  fromParsed(
    parsed: ParsedRecord,
    text: string,
    source: Buffer,
    start: number,
    end: number,
    offset: number,
    singleLine: boolean,
  ): ReadEvent {
    if (parsed.ok) {
      const bytes = source.subarray(start, end);
      return { kind: 'record', offset, length: end - start, text, bytes, value: parsed.value, singleLine };
    }
    return this.invalid(parsed.code, parsed.reason, offset, end - start, copyRaw(source, start, end));
  }

  tooLarge(offset: number, length: number, raw: Uint8Array): InvalidEvent {
    const reason = `record is ${length} bytes, more than the ${this.maxRecordBytes} bytes allowed`;
    return this.invalid('RECORD_TOO_LARGE', reason, offset, length, raw);
  }

  invalid(code: InvalidCode, reason: string, offset: number, length: number, raw: Uint8Array): InvalidEvent {
    return { kind: 'invalid', offset, length, code, reason, raw };
  }
}
