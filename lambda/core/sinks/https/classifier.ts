import type { HttpResponse } from '../../http/client';
import {
  allDelivered,
  authRefused,
  excerpt,
  fatal,
  rejectAll,
  retryAll,
  splitOrReject,
  type Classification,
  type Records,
} from '../classification';
import { SinkCodes } from '../codes';

/** 4xx answers that say "this content is unacceptable" rather than "this request is misaddressed". */
const CONTENT_REFUSED = new Set([400, 415, 422]);

/**
 * A generic collector answers for the whole request: there is no per-record status.
 *
 * - 2xx: delivered. 401/403: auth path. 413: split in halves (one record still too large is quarantined).
 * - 408/429/5xx: retry the batch later.
 * - 400/415/422 (the collector read the body and refused its content): the batch is rejected and
 *   quarantined (HTTPS_BATCH_REJECTED) with the collector's answer as the reason. We cannot tell which
 *   record it disliked, and retrying the same bytes would get the same answer; quarantine keeps them
 *   visible and re-drivable once the collector (or the record) is fixed.
 * - any other 4xx (404 wrong path, 405, 410, …): a configuration problem, not the records' fault, so the
 *   batch fails (HTTPS_REQUEST_REJECTED) and stays in SQS / the DLQ instead of flooding the quarantine.
 */
export function classifyCollectorAnswer(response: HttpResponse, batch: Records): Classification {
  const { status, body } = response;
  const description = `collector ${status}${body ? `: ${excerpt(body)}` : ''}`;
  if (status >= 200 && status < 300) return allDelivered(batch);
  if (status === 401 || status === 403) return authRefused(status, excerpt(body));
  if (status === 413) return splitOrReject(batch, SinkCodes.HTTPS_RECORD_TOO_LARGE, description);
  if (status === 408 || status === 429 || status >= 500) return retryAll(batch, description);
  if (CONTENT_REFUSED.has(status)) return rejectAll(batch, SinkCodes.HTTPS_BATCH_REJECTED, description);
  if (status >= 400)
    return fatal(SinkCodes.HTTPS_REQUEST_REJECTED, `${description}: check the collector URL`);
  return fatal(SinkCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
