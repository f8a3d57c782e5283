import { SluiceError } from '../errors';

/**
 * Stable codes a collector run reports (logs, metrics, the collector-failing alarm, `sluice status`).
 * Alarms and runbooks key on these: never rename one.
 */
export const CollectorCodes = {
  /** 401/403 again after one re-authentication (new login, new token, secret read again). */
  AUTH_FAILED: 'COLLECTOR_AUTH_FAILED',
  /** The credentials secret is missing a field or is not the documented JSON. */
  SECRET_INVALID: 'COLLECTOR_SECRET_INVALID',
  /** An answer that is not the API's documented shape (not JSON, no records array, a record without time). */
  BAD_RESPONSE: 'COLLECTOR_BAD_RESPONSE',
  /** A 4xx other than 401/403/408/429: the request itself is wrong (a filter, a URL): not retried. */
  REQUEST_REJECTED: 'COLLECTOR_REQUEST_REJECTED',
  /** 429 (or a rate-limit 403) until the run's time budget ran out: the next run continues. */
  THROTTLED: 'COLLECTOR_API_THROTTLED',
  /** 5xx or no answer until the run's time budget ran out: the next run continues. */
  UNAVAILABLE: 'COLLECTOR_API_UNAVAILABLE',
  /**
   * `since` paging: a whole page of events shares one bound (second or millisecond) and the API has
   * events after it; the rest of that instant cannot be asked for. The run stops before it, every run.
   */
  TIES_EXCEED_PAGE: 'COLLECTOR_TIES_EXCEED_PAGE',
  /**
   * The run's time budget ended before the API was caught up, or an operator stopped a CLI run (not a
   * failure: the next run continues).
   */
  BUDGET_SPENT: 'COLLECTOR_BUDGET_SPENT',
  /** Another run of the same collector holds the lease: this run did nothing. */
  LEASE_HELD: 'COLLECTOR_LEASE_HELD',
  /** The lease expired and another run took it over: this run stopped without advancing further. */
  LEASE_LOST: 'COLLECTOR_LEASE_LOST',
  /** The object could not be written to the bucket: the checkpoint did not move. */
  WRITE_FAILED: 'COLLECTOR_WRITE_FAILED',
  /** The checkpoint store could not be read or written. */
  CHECKPOINT_UNAVAILABLE: 'COLLECTOR_CHECKPOINT_UNAVAILABLE',
} as const;

export type CollectorCode = (typeof CollectorCodes)[keyof typeof CollectorCodes];

/**
 * How a failure ends the run: `fail` stops it and raises the collector-failing alarm; `pause` ends it
 * early but normally (the API asked us to wait, or is down: the next scheduled run continues).
 */
export type CollectorFailureKind = 'fail' | 'pause';

/** A collector failure. Context names the collector, the URL's host and path, a status: never a secret. */
export class CollectorError extends SluiceError {
  readonly kind: CollectorFailureKind;

  constructor(
    code: CollectorCode,
    message: string,
    context: Record<string, unknown> = {},
    options: { cause?: unknown; kind?: CollectorFailureKind } = {},
  ) {
    super(code, message, context, { cause: options.cause });
    this.name = 'CollectorError';
    this.kind = options.kind ?? 'fail';
  }
}
