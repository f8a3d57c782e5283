/**
 * Stable failure and rejection codes a sink reports (in `BatchOutcome.failure.code` and
 * `RejectedRecord.code`). Alarms, metrics and runbooks key on these: never rename one.
 */
export const SinkCodes = {
  /** 401/403 again after re-reading the secret once. */
  AUTH_FAILED: 'DESTINATION_AUTH_FAILED',
  /** The credentials could not be read or are malformed (e.g. basic-auth secret that is not JSON). */
  AUTH_UNAVAILABLE: 'DESTINATION_AUTH_UNAVAILABLE',
  /** The destination kept failing (5xx, 429, network) until the retry budget or the deadline ran out. */
  UNAVAILABLE: 'DESTINATION_UNAVAILABLE',
  /**
   * No time was left to send the batch before the deadline (less the time requests have been
   * taking), and the destination had refused none of its records: the records were not tried.
   */
  DEADLINE: 'DELIVERY_DEADLINE',
  /** An answer this sink does not understand (e.g. 3xx, or a 2xx whose body cannot be read). */
  UNEXPECTED_ANSWER: 'DESTINATION_UNEXPECTED_ANSWER',
  /** A certificate or TLS negotiation failure: not retried inside the invocation. */
  TLS_FAILED: 'DESTINATION_TLS_FAILED',

  HEC_INVALID_EVENT: 'HEC_INVALID_EVENT',
  HEC_EVENT_TOO_LARGE: 'HEC_EVENT_TOO_LARGE',
  HEC_INCORRECT_INDEX: 'HEC_INCORRECT_INDEX',
  HEC_REQUEST_REJECTED: 'HEC_REQUEST_REJECTED',
  /**
   * `acknowledgements: true`, but the token has indexer acknowledgement off (HEC code 14 "ACK is
   * disabled", or an event answer without an `ackId`): a configuration error, never the records' fault.
   */
  HEC_ACK_DISABLED: 'HEC_ACK_DISABLED',
  /** Splunk took the events but had not acknowledged them by the deadline: they are sent again later. */
  HEC_NOT_ACKNOWLEDGED: 'HEC_NOT_ACKNOWLEDGED',
  /** A warning, not a failure: a `true` HEC answered confirmed nothing, and its events are sent again. */
  HEC_ACK_DISTRUSTED: 'HEC_ACK_DISTRUSTED',

  ES_DOCUMENT_REJECTED: 'ES_DOCUMENT_REJECTED',
  ES_DOCUMENT_TOO_LARGE: 'ES_DOCUMENT_TOO_LARGE',
  ES_DOCUMENT_FORBIDDEN: 'ES_DOCUMENT_FORBIDDEN',
  ES_REQUEST_REJECTED: 'ES_REQUEST_REJECTED',

  /**
   * The collector refused the content (400/422: the record, once isolated by halving, or a group the
   * batch's isolation budget left whole; 415: the batch as it is).
   */
  HTTPS_BATCH_REJECTED: 'HTTPS_BATCH_REJECTED',
  HTTPS_RECORD_TOO_LARGE: 'HTTPS_RECORD_TOO_LARGE',
  HTTPS_REQUEST_REJECTED: 'HTTPS_REQUEST_REJECTED',

  /**
   * The Logs Ingestion API refused the content (a 4xx that names no configuration error): on a 400, the
   * record once isolated by halving, or a group the batch's isolation budget left whole.
   */
  SENTINEL_BATCH_REJECTED: 'SENTINEL_BATCH_REJECTED',
  /** A single record above the API's 1 MB per call. */
  SENTINEL_RECORD_TOO_LARGE: 'SENTINEL_RECORD_TOO_LARGE',
  /** The DCR, its stream or the endpoint is wrong (404, 400 InvalidStream): a configuration error. */
  SENTINEL_REQUEST_REJECTED: 'SENTINEL_REQUEST_REJECTED',
} as const;

export type SinkCode = (typeof SinkCodes)[keyof typeof SinkCodes];
