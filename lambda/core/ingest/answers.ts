import type { Rejection } from './events';

/** What the endpoint tells the producer. Each outcome has one status code in both dialects. */
export type Outcome =
  | { readonly kind: 'accepted'; readonly count: number }
  | { readonly kind: 'healthy' }
  | { readonly kind: 'token-required' }
  | { readonly kind: 'invalid-authorization' }
  | { readonly kind: 'invalid-token' }
  | { readonly kind: 'rejected'; readonly rejection: Rejection; readonly acceptedBefore: number }
  | { readonly kind: 'body-too-large'; readonly limit: number }
  | { readonly kind: 'unsupported-encoding'; readonly encoding: string }
  | { readonly kind: 'invalid-encoding' }
  | { readonly kind: 'compressed-body-as-text'; readonly encoding: string }
  | {
      readonly kind: 'refused-by-queue';
      /** The events SQS refused for good (index order) and SQS's error code for each. */
      readonly refused: readonly { readonly index: number; readonly code: string }[];
      /** Events now in the queue. */
      readonly accepted: number;
      /** On the HEC paths, the bad event that stopped parsing (it and the ones after it were not sent). */
      readonly rejection?: Rejection;
    }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string };

/**
 * `hec` answers the way Splunk's HTTP Event Collector does (`{"text","code"}`, with
 * `invalid-event-number` on a bad event) so that HEC clients log something they understand;
 * `plain` answers `{"ok", "code", "message", "eventIndex"?}`.
 */
export type Dialect = 'hec' | 'plain';

export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Seconds a producer should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

interface Shape {
  readonly status: number;
  readonly hec: { readonly text: string; readonly code: number };
  readonly code: string;
  readonly message: string;
  readonly eventIndex?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** More members of the plain answer. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** At most this many refused events are named in the message (the plain answer lists all). */
const NAMED_REFUSALS = 10;

function refusedShape(outcome: Extract<Outcome, { kind: 'refused-by-queue' }>): Shape {
  const named = outcome.refused
    .slice(0, NAMED_REFUSALS)
    .map(({ index, code }) => `event ${index} (${code})`)
    .join(', ');
  const more =
    outcome.refused.length > NAMED_REFUSALS ? ` and ${outcome.refused.length - NAMED_REFUSALS} more` : '';
  const stopped = outcome.rejection
    ? `; ${outcome.rejection.reason}, so it and the events after it were not sent`
    : '';
  return {
    status: 400,
    hec: { text: 'Invalid data format', code: 6 },
    code: 'EVENT_REFUSED_BY_QUEUE',
    message:
      `the ingest queue refused ${named}${more} as sent, for good; ` +
      `the other ${outcome.accepted} events were accepted${stopped}. Do not retry this request as is`,
    eventIndex: outcome.refused[0].index,
    fields: { refusedEvents: outcome.refused.map(({ index }) => index), accepted: outcome.accepted },
  };
}

function rejectionShape(rejection: Rejection, acceptedBefore: number): Shape {
  const tooLarge = rejection.code === 'EVENT_TOO_LARGE';
  const hec =
    rejection.code === 'NO_DATA'
      ? { text: 'No data', code: 5 }
      : rejection.code === 'HEC_EVENT_MISSING'
        ? { text: 'Event field is required', code: 12 }
        : rejection.code === 'HEC_EVENT_BLANK'
          ? { text: 'Event field cannot be blank', code: 13 }
          : tooLarge
            ? { text: 'Content too large', code: 6 }
            : { text: 'Invalid data format', code: 6 };
  const accepted =
    acceptedBefore > 0 ? `; the ${acceptedBefore} events before it were accepted` : '; nothing was accepted';
  return {
    status: tooLarge ? 413 : 400,
    hec,
    code: rejection.code,
    message: rejection.code === 'NO_DATA' ? rejection.reason : `${rejection.reason}${accepted}`,
    eventIndex: rejection.code === 'NO_DATA' ? undefined : rejection.index,
  };
}

function shapeOf(outcome: Outcome): Shape {
  switch (outcome.kind) {
    case 'accepted':
      return {
        status: 200,
        hec: { text: 'Success', code: 0 },
        code: 'OK',
        message: `${outcome.count} events accepted`,
      };
    case 'healthy':
      return { status: 200, hec: { text: 'HEC is healthy', code: 17 }, code: 'OK', message: 'healthy' };
    case 'token-required':
      return {
        status: 401,
        hec: { text: 'Token is required', code: 2 },
        code: 'TOKEN_REQUIRED',
        message: "send the token as 'Authorization: Bearer <token>' or 'Authorization: Splunk <token>'",
      };
    case 'invalid-authorization':
      return {
        status: 401,
        hec: { text: 'Invalid authorization', code: 3 },
        code: 'INVALID_AUTHORIZATION',
        message: "the Authorization header must be 'Bearer <token>' or 'Splunk <token>'",
      };
    case 'invalid-token':
      return {
        status: 403,
        hec: { text: 'Invalid token', code: 4 },
        code: 'INVALID_TOKEN',
        message: 'invalid token',
      };
    case 'rejected':
      return rejectionShape(outcome.rejection, outcome.acceptedBefore);
    case 'body-too-large':
      return {
        status: 413,
        hec: { text: 'Content too large', code: 6 },
        code: 'BODY_TOO_LARGE',
        message: `the body is larger than ${outcome.limit} bytes (after decompression); send fewer events per request`,
      };
    case 'unsupported-encoding':
      return {
        status: 415,
        hec: { text: 'Unsupported content encoding', code: 6 },
        code: 'UNSUPPORTED_ENCODING',
        message: `Content-Encoding '${outcome.encoding}' is not supported; send identity or gzip`,
      };
    case 'invalid-encoding':
      return {
        status: 400,
        hec: { text: 'Invalid data format', code: 6 },
        code: 'INVALID_ENCODING',
        message: 'the body is not valid UTF-8 (or not valid gzip)',
      };
    case 'compressed-body-as-text':
      return {
        status: 415,
        hec: { text: 'Unsupported content encoding', code: 6 },
        code: 'COMPRESSED_BODY_AS_TEXT',
        message: `API Gateway passed this ${outcome.encoding} body to the function as text, which cannot hold compressed bytes unchanged; send the body uncompressed`,
      };
    case 'refused-by-queue':
      return refusedShape(outcome);
    case 'unavailable':
      return {
        status: 503,
        hec: { text: 'Server is busy', code: 9 },
        code: 'UNAVAILABLE',
        message: 'the events could not be queued; retry the whole request later',
        headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      };
    case 'not-found':
      return {
        status: 404,
        hec: { text: 'Not found', code: 404 },
        code: 'NOT_FOUND',
        message: 'no such path',
      };
    case 'method-not-allowed':
      return {
        status: 405,
        hec: { text: 'Method not allowed', code: 405 },
        code: 'METHOD_NOT_ALLOWED',
        message: `use ${outcome.allow}`,
        headers: { allow: outcome.allow },
      };
  }
}

export function answer(outcome: Outcome, dialect: Dialect): HttpAnswer {
  const shape = shapeOf(outcome);
  const body =
    dialect === 'hec'
      ? {
          text: shape.hec.text,
          code: shape.hec.code,
          ...(shape.eventIndex === undefined ? {} : { 'invalid-event-number': shape.eventIndex }),
        }
      : {
          ok: shape.status < 300,
          code: shape.code,
          message: shape.message,
          ...(shape.eventIndex === undefined ? {} : { eventIndex: shape.eventIndex }),
          ...(outcome.kind === 'accepted' ? { accepted: outcome.count } : {}),
          ...(shape.fields ?? {}),
        };
  return {
    statusCode: shape.status,
    headers: { 'content-type': 'application/json', ...(shape.headers ?? {}) },
    body: JSON.stringify(body),
  };
}
