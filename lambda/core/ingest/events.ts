/** Shapes shared by the ingest endpoint and the batcher. */

/** One event as it will be written: the producer's JSON object on one line, and its parsed value. */
export interface IngestEvent {
  /** The producer's characters, minus any line breaks between tokens (see `toSingleLine`). */
  readonly text: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/** An event with its log type decided. */
export interface RoutedEvent {
  readonly logType: string;
  readonly line: string;
}

/** Why an event (or a whole body) cannot be accepted. Stable: tests, metrics and answers use them. */
export type RejectionCode =
  | 'NO_DATA'
  | 'INVALID_JSON'
  | 'NOT_AN_OBJECT'
  | 'HEC_EVENT_MISSING'
  | 'HEC_EVENT_BLANK'
  | 'LOG_TYPE_MISSING'
  | 'LOG_TYPE_INVALID'
  | 'LOG_TYPE_NOT_ALLOWED'
  | 'EVENT_TOO_LARGE';

export interface Rejection {
  /** Zero-based position of the first bad event in the body (0 for `NO_DATA`). */
  readonly index: number;
  readonly code: RejectionCode;
  /** For people: says what is wrong without quoting the event (it may hold secrets). */
  readonly reason: string;
}

/** Name of the SQS message attribute that carries the log type of every event in the message. */
export const LOG_TYPE_ATTRIBUTE = 'logType';
