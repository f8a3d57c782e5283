import type { OutboundRecord } from '../records/types';
import type { RejectedRecord } from './types';

export type Records = readonly OutboundRecord[];

/**
 * What one answer means for the records of the request it answers. Every record of the request ends up in
 * exactly one place: delivered, rejected, retry, one of the resend groups, or, when `fatal` or
 * `authRefused` is set, implicitly failed (everything not delivered or rejected). With `refused`, every
 * record of the request is still undecided: the delivery loop isolates the ones to blame.
 */
export interface Classification {
  readonly delivered: Records;
  readonly rejected: readonly RejectedRecord[];
  /** Send again after a backoff delay: the destination is busy or failing. */
  readonly retry: Records;
  /** Send again now, each group as its own request (413 halves; the HEC events after a refused one). */
  readonly resend?: readonly Records[];
  /** Why records are retried or resent (for the observer and the final failure message). */
  readonly reason?: string;
  /** The server's Retry-After, in ms. */
  readonly retryAfterMs?: number;
  /** 401/403: the delivery loop re-reads the secret once and resends the request. */
  readonly authRefused?: { readonly status: number; readonly message: string };
  /** Stop delivering this batch: the records not delivered or rejected fail with this code. */
  readonly fatal?: { readonly code: string; readonly message: string };
  /**
   * The destination refused the content of this multi-record request as a whole, without naming a
   * record: the delivery loop sends the halves again to find the records to blame (see isolation.ts),
   * which are rejected with `code` and the reason their own request was given.
   */
  readonly refused?: { readonly code: string; readonly reason: string };
}

const NONE: Records = [];

export function allDelivered(batch: Records): Classification {
  return { delivered: batch, rejected: [], retry: NONE };
}

export function retryAll(batch: Records, reason: string, retryAfterMs?: number): Classification {
  return { delivered: NONE, rejected: [], retry: batch, reason, retryAfterMs };
}

export function authRefused(status: number, message: string): Classification {
  return { delivered: NONE, rejected: [], retry: NONE, authRefused: { status, message } };
}

export function fatal(code: string, message: string, delivered: Records = NONE): Classification {
  return { delivered, rejected: [], retry: NONE, fatal: { code, message } };
}

export function rejectAll(batch: Records, code: string, reason: string): Classification {
  return { delivered: NONE, rejected: batch.map((record) => ({ record, code, reason })), retry: NONE };
}

/**
 * A content refusal of the whole request (HTTPS collector 400/422, Logs Ingestion API 400): one record
 * is rejected at once; several are handed to the delivery loop's isolation, so that one bad record does
 * not take the rest of its batch into the quarantine.
 */
export function refuseContent(batch: Records, code: string, reason: string): Classification {
  if (batch.length <= 1) return rejectAll(batch, code, reason);
  return { delivered: NONE, rejected: [], retry: NONE, refused: { code, reason } };
}

/**
 * 413: the body was too large for the destination. Halve the request until it fits; a single record
 * that is still too large can never be delivered, so it is rejected (quarantined) rather than retried.
 */
export function splitOrReject(batch: Records, tooLargeCode: string, reason: string): Classification {
  if (batch.length <= 1) return rejectAll(batch, tooLargeCode, reason);
  const middle = Math.ceil(batch.length / 2);
  return {
    delivered: NONE,
    rejected: [],
    retry: NONE,
    resend: [batch.slice(0, middle), batch.slice(middle)],
    reason: `${reason}: split into halves`,
  };
}

/** Parses a JSON answer body, or undefined when it is not JSON (load balancers answer in HTML). */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, single-line excerpt of an answer for messages (answers never echo our secrets). */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
