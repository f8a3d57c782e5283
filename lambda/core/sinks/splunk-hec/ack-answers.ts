import type { HttpResponse } from '../../http/client';
import { excerpt, parseJsonBody } from '../classification';
import { SinkCodes } from '../codes';
import {
  BUSY_CODES,
  CHANNEL_INVALID,
  CHANNEL_MISSING,
  acknowledgementFault,
  describeHecAnswer,
  readHecAnswer,
} from './classifier';

/**
 * The `ackId` of an event answer (`{"text":"Success","code":0,"ackId":7}`), or undefined when there is
 * none: HEC leaves it out when the token has indexer acknowledgement off.
 */
export function readAckId(body: string): number | undefined {
  const ackId = (readHecAnswer(body) as { ackId?: unknown }).ackId;
  return typeof ackId === 'number' && Number.isSafeInteger(ackId) && ackId >= 0 ? ackId : undefined;
}

/** The body of `POST /services/collector/ack`: `{"acks":[1,2,3]}`. */
export function ackQueryBody(ackIds: readonly number[]): string {
  return JSON.stringify({ acks: ackIds });
}

/** What one answer of the ack endpoint means for the ackIds it was asked about. */
export type AckAnswer =
  /** `{"acks":{"1":true,"2":false}}`: the ids answered `true` are indexed; the others are not (yet). */
  | { readonly kind: 'statuses'; readonly acknowledged: ReadonlySet<number> }
  /** Busy, overloaded or unreachable: ask again at the next poll. */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** 401/403: the token was refused (re-read the secret once). */
  | { readonly kind: 'auth-refused'; readonly status: number; readonly message: string }
  /** Asking again cannot help (acknowledgement disabled, endpoint refused): the waits fail. */
  | { readonly kind: 'failed'; readonly code: string; readonly message: string }
  /** HEC no longer knows the channel; `code`/`message`: the failure should it say so twice running. */
  | {
      readonly kind: 'channel-unknown';
      readonly reason: string;
      readonly code: string;
      readonly message: string;
    };

/**
 * Reads an answer of `POST /services/collector/ack?channel=<guid>`. An id missing from the answer counts
 * as not acknowledged, like `false`: HEC forgets an ackId once it has answered `true` for it.
 */
export function classifyAckAnswer(response: HttpResponse): AckAnswer {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    const statuses = readStatuses(body);
    if (statuses) return { kind: 'statuses', acknowledged: statuses };
    return {
      kind: 'failed',
      code: SinkCodes.UNEXPECTED_ANSWER,
      message: `HEC ack endpoint answered ${status} without acknowledgement statuses${body ? `: ${excerpt(body)}` : ''}`,
    };
  }
  const answer = readHecAnswer(body);
  const description = describeHecAnswer(status, answer, body);
  if (status === 401 || status === 403)
    return { kind: 'auth-refused', status, message: answer.text ?? excerpt(body) };
  if (status === 408 || status === 429 || status >= 500 || BUSY_CODES.has(answer.code ?? -1))
    return { kind: 'unavailable', reason: description };
  // The query carried the channel its events were sent on: acknowledgement is on at both ends, so the
  // "set acknowledgements: true" hint of the event endpoint does not apply here.
  if (answer.code === CHANNEL_INVALID) {
    return {
      kind: 'channel-unknown',
      reason: `${description} (HEC no longer knows the channel: an indexer restart or idle-channel cleanup dropped it with its ackIds)`,
      code: SinkCodes.HEC_REQUEST_REJECTED,
      message: `${description}, twice running, although HEC took this channel's events meanwhile: the ack queries reach an indexer that did not take them. Fix: enable sticky sessions on the load balancer in front of HEC`,
    };
  }
  if (answer.code === CHANNEL_MISSING) {
    return {
      kind: 'failed',
      code: SinkCodes.HEC_REQUEST_REJECTED,
      message: `${description}. sluice sends the X-Splunk-Request-Channel header on every request: something between it and HEC drops it on /services/collector/ack. Fix: let the proxy or load balancer pass that header`,
    };
  }
  const configuration = acknowledgementFault(answer, description);
  if (configuration) return { kind: 'failed', ...configuration };
  if (status >= 400 && status < 500) {
    return {
      kind: 'failed',
      code: SinkCodes.HEC_REQUEST_REJECTED,
      message: `${description}. The acknowledgement endpoint (/services/collector/ack) refused the query: check that the URL reaches splunkd's HEC (not a proxy that only forwards /services/collector/event)`,
    };
  }
  return { kind: 'failed', code: SinkCodes.UNEXPECTED_ANSWER, message: `${description}: unexpected answer` };
}

function readStatuses(body: string): ReadonlySet<number> | undefined {
  const parsed = parseJsonBody(body) as { acks?: unknown } | undefined;
  const acks = parsed?.acks;
  if (acks === null || typeof acks !== 'object' || Array.isArray(acks)) return undefined;
  const acknowledged = new Set<number>();
  for (const [id, value] of Object.entries(acks)) {
    if (value === true && /^\d+$/.test(id)) acknowledged.add(Number(id));
  }
  return acknowledged;
}
