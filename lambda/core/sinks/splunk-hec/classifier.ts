import type { HttpResponse } from '../../http/client';
import {
  allDelivered,
  authRefused,
  excerpt,
  fatal,
  parseJsonBody,
  retryAll,
  splitOrReject,
  type Classification,
  type Records,
} from '../classification';
import { SinkCodes } from '../codes';

/** HEC's answer body: `{"text":"…","code":N}`, plus `invalid-event-number` when one event was refused. */
export interface HecAnswer {
  readonly text?: string;
  readonly code?: number;
  readonly 'invalid-event-number'?: number;
}

/** HEC status codes that mean "busy, try later" even when a proxy changed the HTTP status. */
export const BUSY_CODES: ReadonlySet<number> = new Set([9, 18, 19, 20]);
const INCORRECT_INDEX = 7;
/** "Data channel is missing". */
export const CHANNEL_MISSING = 10;
/** "Invalid data channel": not a GUID, or (on the ack endpoint) a channel HEC does not know. */
export const CHANNEL_INVALID = 11;
/** Either, on the event endpoint: the token wants indexer acknowledgement. */
const CHANNEL_CODES: ReadonlySet<number> = new Set([CHANNEL_MISSING, CHANNEL_INVALID]);
/** "ACK is disabled": a channel or an ack query reached a token without indexer acknowledgement. */
const ACK_DISABLED = 14;

export function readHecAnswer(body: string): HecAnswer {
  const parsed = parseJsonBody(body);
  return parsed !== null && typeof parsed === 'object' ? (parsed as HecAnswer) : {};
}

export function describeHecAnswer(status: number, answer: HecAnswer, body: string): string {
  if (answer.text !== undefined) return `HEC ${status} code ${answer.code ?? '?'}: ${answer.text}`;
  return `HEC ${status}${body ? `: ${excerpt(body)}` : ''}`;
}

/**
 * The configuration errors of indexer acknowledgement, named with what to change, or undefined. Both
 * the event and the ack endpoint answer them; neither is ever the records' fault.
 */
export function acknowledgementFault(
  answer: HecAnswer,
  description: string,
  channelSent = false,
): { readonly code: string; readonly message: string } | undefined {
  if (answer.code === ACK_DISABLED) {
    return {
      code: SinkCodes.HEC_ACK_DISABLED,
      message: `${description}. The destination has acknowledgements: true but its HEC token has indexer acknowledgement disabled. Fix: enable indexer acknowledgement on the token (useACK = 1), or set acknowledgements: false`,
    };
  }
  if (CHANNEL_CODES.has(answer.code ?? -1) && channelSent) {
    // With acknowledgements on, sluice sent a GUID channel: the token setting is not the cause.
    return {
      code: SinkCodes.HEC_REQUEST_REJECTED,
      message: `${description}. sluice sent its channel (a GUID in X-Splunk-Request-Channel), so something between it and HEC drops or rewrites that header. Fix: let the proxy or load balancer pass it unchanged`,
    };
  }
  if (CHANNEL_CODES.has(answer.code ?? -1)) {
    return {
      code: SinkCodes.HEC_REQUEST_REJECTED,
      message: `${description}. The HEC token has indexer acknowledgement enabled, which needs a request channel. Fix: set acknowledgements: true on the destination (sluice then sends a channel and waits for acknowledgements), or disable indexer acknowledgement on the token`,
    };
  }
  return undefined;
}

/**
 * Reads a HEC answer for the events of `batch`, in order.
 *
 * Decisions:
 * - 2xx: everything delivered, unless the body is an HTML or XML page (HEC answers JSON; HEC-compatible
 *   receivers JSON, nothing, or a word: older OpenTelemetry collectors answer `OK`): a page comes from
 *   something else, which indexed nothing, so the batch fails (UNEXPECTED_ANSWER).
 * - 401/403 (codes 1-4, token missing/invalid/disabled): the auth path (re-read the secret once).
 * - 413: split the request in halves; a single event still too large is quarantined.
 * - 429, 5xx, or a busy code (9, 18-20): retry the whole request later (HEC indexed none of it).
 * - 4xx with `invalid-event-number` N: HEC indexed events [0, N) and dropped N and everything after.
 *   Event N is quarantined (HEC_INVALID_EVENT, HEC's text as the reason) and N+1… are resent. Code 7
 *   (incorrect index) is the exception: the index is per destination and log type, so later events would fail the
 *   same way; quarantining them one request at a time would hide a configuration error, so the rest fail.
 * - 4xx code 14 (ACK is disabled): the token has indexer acknowledgement off while the destination asks
 *   for it, a configuration error (HEC_ACK_DISABLED): the batch fails, nothing is quarantined. Codes 10
 *   and 11 (channel missing or invalid) fail as HEC_REQUEST_REJECTED, naming the token's setting (or,
 *   when the request carried a channel, what dropped it).
 * - 4xx without an event number (ack channel required, query-string auth, wrong path, …): nothing in the
 *   answer blames one event, and these are configuration problems that affect every request. Quarantining
 *   the batch would blame the records; instead the batch fails (HEC_REQUEST_REJECTED) so SQS keeps it,
 *   alarms fire, and it ends in the DLQ to be re-driven once fixed. 408 is the exception: retried.
 * - anything else (3xx, 1xx): fails as an unexpected answer (we do not follow redirects).
 */
export function classifyHecAnswer(
  response: HttpResponse,
  batch: Records,
  /** The request carried a channel (acknowledgements on): codes 10 and 11 then blame what is in between. */
  channelSent = false,
): Classification {
  const { status } = response;
  if (status >= 200 && status < 300) {
    // A 2xx page (an HTML default backend, a proxy's block page) indexed nothing.
    if (response.body.trimStart().startsWith('<')) {
      return fatal(
        SinkCodes.UNEXPECTED_ANSWER,
        `${describeHecAnswer(status, {}, response.body)}: not an answer of HEC, so nothing says the events were indexed. Fix: point the URL at HEC (port 8088 by default), not at a web page or a proxy's error page`,
      );
    }
    return allDelivered(batch);
  }

  const answer = readHecAnswer(response.body);
  const description = describeHecAnswer(status, answer, response.body);
  if (status === 401 || status === 403) return authRefused(status, answer.text ?? excerpt(response.body));
  if (status === 413) return splitOrReject(batch, SinkCodes.HEC_EVENT_TOO_LARGE, description);
  if (status === 408 || status === 429 || status >= 500 || BUSY_CODES.has(answer.code ?? -1)) {
    return retryAll(batch, description);
  }
  if (status >= 400 && status < 500) {
    const configuration = acknowledgementFault(answer, description, channelSent);
    if (configuration) return fatal(configuration.code, configuration.message);
    const invalid = answer['invalid-event-number'];
    if (typeof invalid !== 'number' || !Number.isInteger(invalid) || invalid < 0 || invalid >= batch.length) {
      return fatal(
        SinkCodes.HEC_REQUEST_REJECTED,
        `${description}. HEC refused the request as a whole (no event named): check the URL, token settings (indexer acknowledgement needs a channel) and HEC input configuration`,
      );
    }
    const indexed = batch.slice(0, invalid);
    if (answer.code === INCORRECT_INDEX) {
      return fatal(
        SinkCodes.HEC_INCORRECT_INDEX,
        `${description}. Fix: allow the configured index for this HEC token, or change the destination's index (or indexByLogType)`,
        indexed,
      );
    }
    const tail = batch.slice(invalid + 1);
    return {
      delivered: indexed,
      rejected: [{ record: batch[invalid], code: SinkCodes.HEC_INVALID_EVENT, reason: description }],
      retry: [],
      resend: tail.length > 0 ? [tail] : [],
      reason: `${description}: resending the ${tail.length} events after event ${invalid}`,
    };
  }
  return fatal(SinkCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
