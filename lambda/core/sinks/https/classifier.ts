import type { HttpResponse } from '../../http/client';
import {
  allDelivered,
  authRefused,
  excerpt,
  fatal,
  refuseContent,
  rejectAll,
  retryAll,
  splitOrReject,
  type Classification,
  type Records,
} from '../classification';
import { SinkCodes } from '../codes';

/**
 * 4xx answers that say "this content is unacceptable" rather than "this request is misaddressed"; a
 * collector may refuse a batch for one of its records.
 */
const CONTENT_REFUSED = new Set([400, 422]);
/** 415: the media type (a header, the same on every request) is refused; no part of the batch would pass. */
const MEDIA_TYPE_REFUSED = 415;

/**
 * A generic collector answers for the whole request: there is no per-record status.
 *
 * - 2xx: delivered. 401/403: auth path. 413: split in halves (one record still too large is quarantined).
 * - 408/429/5xx: retry the batch later.
 * - 400/422 (the collector read the body and refused its content): the answer does not say which
 *   record it disliked, and the same bytes would get the same answer, so the delivery loop sends the
 *   halves again until only the records refused on their own remain; they are quarantined
 *   (HTTPS_BATCH_REJECTED) with the collector's answer to their own request as the reason. Quarantine
 *   keeps them visible and re-drivable once the collector (or the record) is fixed.
 * - 415 (media type refused): no half would fare better; the batch is quarantined as it is.
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
  if (CONTENT_REFUSED.has(status)) return refuseContent(batch, SinkCodes.HTTPS_BATCH_REJECTED, description);
  if (status === MEDIA_TYPE_REFUSED) return rejectAll(batch, SinkCodes.HTTPS_BATCH_REJECTED, description);
  if (status >= 400)
    return fatal(SinkCodes.HTTPS_REQUEST_REJECTED, `${description}: check the collector URL`);
  return fatal(SinkCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
