import type { SecretSource } from '../../sinks/types';
import { CollectorCodes, CollectorError } from '../codes';
import { collectRecord, type RecordFields } from '../collected-record';
import { describeUrl, type ApiCallSettings } from '../http/request';
import { nextLink, sameOrigin } from '../http/link-header';
import type { HttpResponse } from '../../http/client';
import { recordsAt } from '../response-records';
import type { CollectedRecord } from '../types';

/** What every collector type's client is built with. */
export interface CollectorClientDeps {
  /** The secret behind an ARN (the Secrets Manager adapter, cached; a fixed value in tests). */
  readonly secrets: (arn: string) => SecretSource;
  readonly api: ApiCallSettings;
}

/** The events of an answer, or COLLECTOR_BAD_RESPONSE naming what is wrong with its shape. */
export function responseRecords(
  response: HttpResponse,
  url: URL,
  recordsPath: string,
  fields: RecordFields | ((value: Readonly<Record<string, unknown>>) => RecordFields),
): { records: CollectedRecord[]; body: unknown } {
  const where = describeUrl(url);
  const result = recordsAt(response.body, recordsPath);
  if (!result.ok) {
    throw new CollectorError(
      CollectorCodes.BAD_RESPONSE,
      `${where.host}${where.path} answered HTTP ${response.status}, but ${result.reason}`,
      { ...where, status: response.status },
    );
  }
  const records = result.records.map((raw, index) =>
    collectRecord(raw, index, typeof fields === 'function' ? fields(raw.value) : fields, where),
  );
  return { records, body: result.body };
}

/**
 * The `rel="next"` link of an answer, if it stays on the API's origin. A link elsewhere is refused:
 * following it would hand the collector's credentials to another host.
 */
export function followableNextLink(response: HttpResponse, requestUrl: URL, api: URL): string | undefined {
  const next = nextLink(response.headers.link, requestUrl);
  if (!next) return undefined;
  if (!sameOrigin(next, api)) {
    throw new CollectorError(
      CollectorCodes.BAD_RESPONSE,
      `${api.host} sent a next link to another origin (${next.origin}); it is not followed with the collector's credentials`,
      { ...describeUrl(requestUrl), nextOrigin: next.origin },
    );
  }
  return next.toString();
}

/** A stored continuation URL, accepted only on the API's origin (the configuration may have changed since). */
export function continuationUrl(cursor: string, api: URL): URL {
  let url: URL;
  try {
    url = new URL(cursor);
  } catch {
    throw new CollectorError(CollectorCodes.BAD_RESPONSE, 'the stored continuation is not a URL', {});
  }
  if (!sameOrigin(url, api)) {
    throw new CollectorError(
      CollectorCodes.BAD_RESPONSE,
      `the stored continuation points to ${url.origin}, not to the configured API ${api.origin}. Fix: reset the collector's checkpoint`,
      { origin: url.origin },
    );
  }
  return url;
}
