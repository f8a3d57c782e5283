import type { HttpResponse } from '../../http/client';
import {
  allDelivered,
  authRefused,
  excerpt,
  fatal,
  parseJsonBody,
  refuseContent,
  rejectAll,
  retryAll,
  splitOrReject,
  type Classification,
  type Records,
} from '../classification';
import { SinkCodes } from '../codes';

/** The API's error answer: `{"error":{"code":"…","message":"…"}}` (the code also in `x-ms-error-code`). */
interface IngestionError {
  readonly code?: string;
  readonly message?: string;
}

/** 400 codes that blame the request's address, not its records: the same for every batch. */
const CONFIGURATION_CODES = new Set(['InvalidStream']);

function readError(response: HttpResponse): IngestionError {
  const parsed = parseJsonBody(response.body) as { error?: unknown } | undefined;
  const error = parsed !== null && typeof parsed === 'object' ? parsed.error : undefined;
  const header = response.headers['x-ms-error-code'];
  const headerCode = typeof header === 'string' ? header : undefined;
  if (error === null || typeof error !== 'object') return { code: headerCode };
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' ? code : headerCode,
    message: typeof message === 'string' ? message : undefined,
  };
}

function describe(status: number, error: IngestionError, body: string): string {
  const code = error.code ? ` ${error.code}` : '';
  if (error.message !== undefined) return `Logs Ingestion API ${status}${code}: ${excerpt(error.message)}`;
  return `Logs Ingestion API ${status}${code}${body ? `: ${excerpt(body)}` : ''}`;
}

/**
 * Azure services name their wait in milliseconds in `retry-after-ms` / `x-ms-retry-after-ms` (Azure
 * SDKs read these before `Retry-After`, which the delivery loop reads when neither is there).
 */
function retryAfterMs(response: HttpResponse): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = response.headers[name];
    const text = (Array.isArray(value) ? value[0] : value)?.trim();
    if (text && /^\d+$/.test(text)) return Number(text);
  }
  return undefined;
}

/**
 * Reads a Logs Ingestion API answer. The API answers for the whole call: no per-record status.
 *
 * - 2xx (204): delivered.
 * - 401 (token expired or revoked) / 403 (the app lacks Monitoring Metrics Publisher on the DCR): the
 *   auth path: a new token, once; then the batch fails (DESTINATION_AUTH_FAILED).
 * - 413 (above 1 MB): split in halves; a single record still too large is quarantined.
 * - 408, 429, 5xx: retry later, never earlier than the service's Retry-After.
 * - 404 (no such DCR, or a wrong endpoint) and 400 InvalidStream (the stream is not declared in the
 *   DCR): configuration errors, the same for every batch, so the batch fails
 *   (SENTINEL_REQUEST_REJECTED) and stays in SQS / the DLQ to be re-driven once fixed, rather than
 *   moving every record into the quarantine.
 * - any other 400 (e.g. InvalidPayload): the service refused the call's content without naming a
 *   record, and the same bytes would get the same answer. The delivery loop sends the halves again
 *   until only the records refused on their own remain; they are quarantined (SENTINEL_BATCH_REJECTED)
 *   with the service's error code and message for their own call.
 * - any other 4xx: the service refused this batch; it is quarantined as it is (SENTINEL_BATCH_REJECTED).
 * - anything else (1xx, 3xx): an unexpected answer (redirects are not followed).
 */
export function classifyIngestionAnswer(response: HttpResponse, batch: Records): Classification {
  const { status } = response;
  if (status >= 200 && status < 300) return allDelivered(batch);
  const error = readError(response);
  const description = describe(status, error, response.body);
  if (status === 401) return authRefused(status, description);
  if (status === 403) {
    return authRefused(
      status,
      `${description}. The app registration needs the Monitoring Metrics Publisher role on the DCR (assignments take up to 30 minutes to apply)`,
    );
  }
  if (status === 413) return splitOrReject(batch, SinkCodes.SENTINEL_RECORD_TOO_LARGE, description);
  if (status === 408 || status === 429 || status >= 500) {
    return retryAll(batch, description, retryAfterMs(response));
  }
  if (status === 404 || (status === 400 && CONFIGURATION_CODES.has(error.code ?? ''))) {
    return fatal(
      SinkCodes.SENTINEL_REQUEST_REJECTED,
      `${description}. Fix: check endpoint and dcrImmutableId, and that the DCR declares the stream (streamName / streamByLogType)`,
    );
  }
  if (status === 400) return refuseContent(batch, SinkCodes.SENTINEL_BATCH_REJECTED, description);
  if (status >= 400 && status < 500) return rejectAll(batch, SinkCodes.SENTINEL_BATCH_REJECTED, description);
  return fatal(SinkCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
