import { FieldScanner, SCANNED_OBJECT, valueAt } from './json-scan';
import { copyRaw } from './raw-capture';
import { parseRecordText, type ParsedRecord } from './parse-record';
import { SharedParses } from './shared-parses';
import type { InvalidCode, InvalidEvent, ReadEvent, RecordEvent } from './read-event';

/**
 * A record read without building it (see json-scan.ts): its text is decoded, and parsed, only if
 * someone asks (a pretty-printed record compacted, the detections stage, a record that is not UTF-8),
 * and each of its scanned fields only when read.
 */
class ScannedRecord implements RecordEvent {
  readonly kind = 'record';
  #text: string | undefined;
  #value: Record<string, unknown> | undefined;
  /** Decoded fields, by index. */
  #fields: unknown[] | undefined;

  constructor(
    readonly offset: number,
    readonly length: number,
    readonly bytes: Buffer,
    readonly singleLine: boolean,
    private readonly spans: readonly number[],
    readonly fieldNames: readonly string[],
    readonly ascii: boolean,
    private readonly shared: SharedParses,
  ) {}

  get text(): string {
    return (this.#text ??= this.bytes.toString('utf8'));
  }

  get value(): Record<string, unknown> {
    return (this.#value ??= JSON.parse(this.text) as Record<string, unknown>);
  }

  field(index: number): unknown {
    const fields = (this.#fields ??= new Array<unknown>(this.fieldNames.length));
    // Undefined: not decoded yet, or absent, which valueAt tells at once.
    let value = fields[index];
    if (value === undefined) value = fields[index] = valueAt(this.bytes, 0, this.spans, index, this.shared);
    return value;
  }

  hasField(index: number): boolean {
    return this.spans[2 * index] >= 0;
  }
}

/**
 * Builds events for the splitters and applies what is common to every format: the record size limit
 * and `skipBefore` (checked before parsing, so resuming a gzip object does not pay for the records it
 * skips).
 */
export class EventFactory {
  private readonly scanner: FieldScanner | undefined;
  /** The objects and arrays the scanned fields of this reader's records hold, parsed once each. */
  private readonly shared = new SharedParses();

  constructor(
    readonly maxRecordBytes: number,
    private readonly skipBefore: number,
    /** ReaderOptions.fields. Default: none. */
    fields?: readonly string[],
  ) {
    this.scanner = fields && fields.length > 0 ? new FieldScanner(fields) : undefined;
  }

  /** False for events a resumed read has already produced. */
  wanted(offset: number): boolean {
    return offset >= this.skipBefore;
  }

  /**
   * The record in `source[start, end)` read without building it, when the factory has fields to read
   * and it is a JSON object; undefined otherwise (`fromBytes` then says what it is).
   */
  scanned(
    source: Buffer,
    start: number,
    end: number,
    offset: number,
    singleLine: boolean,
  ): RecordEvent | undefined {
    const { scanner } = this;
    if (scanner === undefined) return undefined;
    const spans = new Array<number>(2 * scanner.names.length);
    if (scanner.scanSpans(source, start, end, spans) !== SCANNED_OBJECT) return undefined;
    const bytes = source.subarray(start, end);
    return new ScannedRecord(
      offset,
      end - start,
      bytes,
      singleLine,
      spans,
      scanner.names,
      scanner.state.ascii,
      this.shared,
    );
  }

  /** The record in `source[start, end)`, or why it is not one. */
  fromBytes(source: Buffer, start: number, end: number, offset: number, singleLine: boolean): ReadEvent {
    const scanned = this.scanned(source, start, end, offset, singleLine);
    if (scanned) return scanned;
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
