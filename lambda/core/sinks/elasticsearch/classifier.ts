import type { HttpResponse } from '../../http/client';
import type { OutboundRecord } from '../../records/types';
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
import type { RejectedRecord } from '../types';

interface BulkError {
  readonly type?: string;
  readonly reason?: string;
  readonly caused_by?: BulkError;
}

interface BulkItemResult {
  readonly status?: number;
  readonly error?: BulkError | string;
}

interface BulkAnswer {
  readonly errors?: boolean;
  readonly items?: ReadonlyArray<Readonly<Record<string, BulkItemResult>>>;
  readonly error?: BulkError | string;
  readonly Message?: string;
  readonly message?: string;
}

/**
 * `errors:false` is by far the common answer; recognising it from the first bytes avoids parsing an
 * `items` array as long as the batch. Elasticsearch and OpenSearch put numeric fields (`took`,
 * `ingest_took`) before `errors`, and `filter_path` keeps that order.
 */
const NO_ERRORS = /^\s*\{(\s*"[a-z_]+"\s*:\s*-?\d+\s*,)*\s*"errors"\s*:\s*false\b/;

function describeError(error: BulkError | string | undefined): string {
  if (error === undefined) return 'no reason given';
  if (typeof error === 'string') return error;
  const cause = error.caused_by?.reason
    ? ` (caused by: ${error.caused_by.type ?? ''} ${error.caused_by.reason})`
    : '';
  return `${error.type ?? 'error'}: ${error.reason ?? 'no reason given'}${cause}`;
}

function describeAnswer(status: number, body: string): string {
  const parsed = parseJsonBody(body) as BulkAnswer | undefined;
  const detail =
    parsed && typeof parsed === 'object'
      ? parsed.error
        ? describeError(parsed.error)
        : (parsed.Message ?? parsed.message)
      : undefined;
  return `bulk ${status}${detail ? `: ${detail}` : body ? `: ${excerpt(body)}` : ''}`;
}

/**
 * Reads a `_bulk` answer. Items come back in request order, one per action.
 *
 * Whole request: 2xx → read the items; 401/403 → auth path; 413 → split in halves; 408/429/5xx → retry
 * all; other 4xx (malformed request, unknown endpoint) → the batch fails (ES_REQUEST_REJECTED): it is not
 * the documents' fault, so they go back to SQS and, if it persists, to the DLQ.
 *
 * Per item: 2xx delivered; 409 (version conflict on `create`) delivered, the document is already there;
 * 429/5xx retried (only those items); 401/403 (security_exception, or a cluster_block_exception such as a
 * read-only index after a disk flood) are not the document's fault either, so those fail the batch
 * instead of being quarantined (ES_DOCUMENT_FORBIDDEN); any other 4xx (mapping/parsing errors) is
 * rejected for good (ES_DOCUMENT_REJECTED) with the item's error type and reason.
 */
export function classifyBulkAnswer(response: HttpResponse, batch: Records): Classification {
  const { status, body } = response;
  if (status >= 200 && status < 300) return classifyItems(body, batch);
  if (status === 401 || status === 403) return authRefused(status, describeAnswer(status, body));
  if (status === 413)
    return splitOrReject(batch, SinkCodes.ES_DOCUMENT_TOO_LARGE, describeAnswer(status, body));
  if (status === 408 || status === 429 || status >= 500) return retryAll(batch, describeAnswer(status, body));
  if (status >= 400) {
    return fatal(
      SinkCodes.ES_REQUEST_REJECTED,
      `${describeAnswer(status, body)}: the cluster refused the request`,
    );
  }
  return fatal(SinkCodes.UNEXPECTED_ANSWER, `${describeAnswer(status, body)}: unexpected answer`);
}

function classifyItems(body: string, batch: Records): Classification {
  if (NO_ERRORS.test(body)) return allDelivered(batch);
  const answer = parseJsonBody(body) as BulkAnswer | undefined;
  if (answer?.errors === false) return allDelivered(batch);
  const items = answer?.items;
  if (!Array.isArray(items) || items.length !== batch.length) {
    // Cannot tell which documents made it: resend all (ids make that safe; a 409 then means delivered).
    return retryAll(
      batch,
      `bulk answer unreadable (${items?.length ?? 'no'} items for ${batch.length} documents)`,
    );
  }

  const delivered: OutboundRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const retry: OutboundRecord[] = [];
  let forbidden: string | undefined;
  let retryReason: string | undefined;
  for (let index = 0; index < batch.length; index += 1) {
    const record = batch[index];
    const item = firstValue(items[index]);
    const itemStatus = item?.status ?? 0;
    if ((itemStatus >= 200 && itemStatus < 300) || itemStatus === 409) {
      delivered.push(record);
    } else if (itemStatus === 429 || itemStatus >= 500 || itemStatus === 0) {
      retry.push(record);
      retryReason ??= `bulk item ${itemStatus} ${describeError(item?.error)}`;
    } else if (itemStatus === 401 || itemStatus === 403) {
      retry.push(record);
      forbidden ??= `bulk item ${itemStatus} ${describeError(item?.error)}`;
    } else {
      rejected.push({ record, code: SinkCodes.ES_DOCUMENT_REJECTED, reason: describeError(item?.error) });
    }
  }
  if (forbidden !== undefined) {
    return {
      delivered,
      rejected,
      retry: [],
      fatal: { code: SinkCodes.ES_DOCUMENT_FORBIDDEN, message: forbidden },
    };
  }
  const reason = retryReason && `${retry.length} of ${batch.length} documents: ${retryReason}`;
  return { delivered, rejected, retry, reason };
}

function firstValue(item: Readonly<Record<string, BulkItemResult>> | undefined): BulkItemResult | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  for (const key in item) return item[key];
  return undefined;
}
