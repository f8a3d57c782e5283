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
const BUSY_CODES = new Set([9, 18, 19, 20]);
const INCORRECT_INDEX = 7;

function readAnswer(body: string): HecAnswer {
  const parsed = parseJsonBody(body);
  return parsed !== null && typeof parsed === 'object' ? (parsed as HecAnswer) : {};
}

function describe(status: number, answer: HecAnswer, body: string): string {
  if (answer.text !== undefined) return `HEC ${status} code ${answer.code ?? '?'}: ${answer.text}`;
  return `HEC ${status}${body ? `: ${excerpt(body)}` : ''}`;
}

/**
 * Reads a HEC answer for the events of `batch`, in order.
 *
 * Decisions:
 * - 2xx: everything delivered.
 * - 401/403 (codes 1-4, token missing/invalid/disabled): the auth path (re-read the secret once).
 * - 413: split the request in halves; a single event still too large is quarantined.
 * - 429, 5xx, or a busy code (9, 18-20): retry the whole request later (HEC indexed none of it).
 * - 4xx with `invalid-event-number` N: HEC indexed events [0, N) and dropped N and everything after.
 *   Event N is quarantined (HEC_INVALID_EVENT, HEC's text as the reason) and N+1… are resent. Code 7
 *   (incorrect index) is the exception: the index is per destination, so every later event would fail the
 *   same way; quarantining them one request at a time would hide a configuration error, so the rest fail.
 * - 4xx without an event number (ack channel required, query-string auth, wrong path, …): nothing in the
 *   answer blames one event, and these are configuration problems that affect every request. Quarantining
 *   the batch would blame the records; instead the batch fails (HEC_REQUEST_REJECTED) so SQS keeps it,
 *   alarms fire, and it ends in the DLQ to be re-driven once fixed. 408 is the exception: retried.
 * - anything else (3xx, 1xx): fails as an unexpected answer (we do not follow redirects).
 */
export function classifyHecAnswer(response: HttpResponse, batch: Records): Classification {
  const { status } = response;
  if (status >= 200 && status < 300) return allDelivered(batch);

  const answer = readAnswer(response.body);
  const description = describe(status, answer, response.body);
  if (status === 401 || status === 403) return authRefused(status, answer.text ?? excerpt(response.body));
  if (status === 413) return splitOrReject(batch, SinkCodes.HEC_EVENT_TOO_LARGE, description);
  if (status === 408 || status === 429 || status >= 500 || BUSY_CODES.has(answer.code ?? -1)) {
    return retryAll(batch, description);
  }
  if (status >= 400 && status < 500) {
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
        `${description}. Fix: allow the configured index for this HEC token, or change the destination's index`,
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
