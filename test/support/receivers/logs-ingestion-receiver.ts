import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenVerifier } from './entra-token-receiver';
import {
  FaultSchedule,
  decodeBody,
  delay,
  readRaw,
  resetConnection,
  sendJson,
  startLoopbackServer,
  type LoopbackServer,
} from './server';

/**
 * One request's fault:
 * - `throttle`: 429 with `Retry-After` (seconds, `retryAfterSeconds`); `unavailable`: 503 with `Retry-After`
 * - `reset`: the connection is destroyed after reading, nothing ingested
 * - `reset-after-ingesting`: the rows are stored, then the connection is destroyed (the client resends)
 * - `{ delayMs }`: answer normally after a delay
 * - `{ status, body, headers? }`: any answer, verbatim
 * - `ok`: answer normally
 */
export type IngestionFault =
  | 'ok'
  | 'throttle'
  | 'unavailable'
  | 'reset'
  | 'reset-after-ingesting'
  | { readonly delayMs: number }
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export interface LogsIngestionReceiverOptions {
  /** The data collection rule this endpoint serves. */
  readonly dcrImmutableId: string;
  /** Streams the DCR declares. */
  readonly streams: readonly string[];
  /** Checks bearer tokens: the Entra ID receiver's, whose clock decides when a token has expired. */
  readonly tokens: TokenVerifier;
  /** App ids holding Monitoring Metrics Publisher on the DCR. Default: every app with a valid token. */
  readonly publishers?: readonly string[];
  /** Largest call, as sent and decompressed. Default: 1,048,576 bytes (the API's 1 MB). */
  readonly maxContentLength?: number;
  /** Seconds in the `Retry-After` of a 429 / 503 fault. Default: 1. */
  readonly retryAfterSeconds?: number;
  readonly faults?: readonly IngestionFault[];
  /** Each call answers 429 (with Retry-After) with this probability, once the programmed faults are used. */
  readonly throttleProbability?: number;
  readonly random?: () => number;
  /**
   * A call holding a row whose JSON text contains this string is refused whole, as a DCR whose stream
   * declares a column of another type refuses it: 400 `InvalidPayload` naming the row, nothing
   * ingested. Default: none.
   */
  readonly refuseRowsContaining?: string;
  /** Keep the ingested rows (`rows`, `ingested`); `false` only counts them (benchmarks). Default: true. */
  readonly store?: boolean;
}

/** A row as the workspace would hold it, with the stream it came through. */
export interface IngestedRow {
  readonly stream: string;
  readonly row: Record<string, unknown>;
}

export interface IngestionCounters {
  requests: number;
  /** Rows stored (including rows of calls whose answer was then lost). */
  rows: number;
  bytesReceived: number;
  resets: number;
  byStatus: Record<number, number>;
}

export interface LogsIngestionReceiver {
  /** The logs ingestion endpoint (the client adds `/dataCollectionRules/…`). */
  readonly url: string;
  readonly counters: IngestionCounters;
  readonly lastHeaders: IncomingMessage['headers'] | undefined;
  /** Rows of one stream, or of all of them. */
  rows(stream?: string): Record<string, unknown>[];
  readonly ingested: readonly IngestedRow[];
  injectFaults(...faults: IngestionFault[]): void;
  clear(): void;
  close(): Promise<void>;
}

/** The audience of Logs Ingestion API tokens (scope `https://monitor.azure.com/.default`). */
export const MONITOR_AUDIENCE = 'https://monitor.azure.com';
const API_VERSIONS = new Set(['2021-11-01-preview', '2023-01-01']);
const PATH = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/;

/**
 * Starts a local Azure Monitor Logs Ingestion endpoint: `POST /dataCollectionRules/<dcr>/streams/
 * <stream>?api-version=2023-01-01` with a bearer token, a JSON array (gzip allowed), at most 1 MB per
 * call; 204 on success. Errors are `{"error":{"code","message"}}` with `x-ms-error-code`, in the
 * order the service checks: API version, token (401, expired on the shared Azure clock), DCR (404),
 * the app's role on it (403), stream (400 InvalidStream), size (413 ContentLengthLimitExceeded),
 * body (400 InvalidPayload, also for a row `refuseRowsContaining` marks).
 */
export async function startLogsIngestionReceiver(
  options: LogsIngestionReceiverOptions,
): Promise<LogsIngestionReceiver> {
  const streams = new Set(options.streams);
  const publishers = options.publishers ? new Set(options.publishers) : undefined;
  const maxContentLength = options.maxContentLength ?? 1_048_576;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const faults = new FaultSchedule<IngestionFault>(options.faults, options.random);
  const ingested: IngestedRow[] = [];
  const counters: IngestionCounters = emptyCounters();
  let lastHeaders: IncomingMessage['headers'] | undefined;

  const answer = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    sendJson(res, status, body, headers);
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string, headers = {}) =>
    answer(res, status, { error: { code, message } }, { 'x-ms-error-code': code, ...headers });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    lastHeaders = req.headers;
    const raw = await readRaw(req);
    counters.bytesReceived += raw.length;
    const fault = faults.next([['throttle', options.throttleProbability]]);
    if (fault === 'reset') {
      counters.resets += 1;
      return resetConnection(req);
    }
    if (fault === 'throttle') {
      return fail(res, 429, 'TooManyRequests', 'Rate limit for the data collection rule exceeded.', {
        'retry-after': retryAfter,
      });
    }
    if (fault === 'unavailable') {
      return fail(res, 503, 'ServiceUnavailable', 'The service is temporarily unavailable.', {
        'retry-after': retryAfter,
      });
    }
    if (typeof fault === 'object' && 'status' in fault)
      return answer(res, fault.status, fault.body, fault.headers);
    if (typeof fault === 'object' && 'delayMs' in fault) await delay(fault.delayMs);

    const url = new URL(req.url ?? '/', 'http://receiver');
    const path = PATH.exec(url.pathname);
    if (req.method !== 'POST' || !path) {
      return fail(res, 404, 'NotFound', `No route for ${req.method} ${url.pathname}.`);
    }
    const version = url.searchParams.get('api-version');
    if (!version || !API_VERSIONS.has(version)) {
      return fail(
        res,
        400,
        'InvalidApiVersionParameter',
        `The api-version '${version ?? ''}' is invalid. The supported versions are '${[...API_VERSIONS].join(',')}'.`,
      );
    }

    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!bearer) {
      return fail(
        res,
        401,
        'InvalidAuthenticationToken',
        'The authentication token is missing or malformed.',
        {
          'www-authenticate': 'Bearer',
        },
      );
    }
    const verdict = options.tokens.verify(bearer[1], MONITOR_AUDIENCE);
    if (!verdict.ok) {
      const [code, message] =
        verdict.reason === 'expired'
          ? [
              'ExpiredAuthenticationToken',
              'The access token has expired. Acquire a new access token and retry.',
            ]
          : verdict.reason === 'audience'
            ? [
                'InvalidAuthenticationTokenAudience',
                `The access token's audience is not '${MONITOR_AUDIENCE}'.`,
              ]
            : ['InvalidAuthenticationToken', 'The access token is invalid.'];
      return fail(res, 401, code, message, { 'www-authenticate': `Bearer error="invalid_token"` });
    }

    const dcr = decodeURIComponent(path[1]);
    const stream = decodeURIComponent(path[2]);
    if (dcr !== options.dcrImmutableId) {
      return fail(res, 404, 'NotFound', `Data collection rule with immutable Id '${dcr}' not found.`);
    }
    if (publishers && !publishers.has(verdict.appId)) {
      return fail(
        res,
        403,
        'OperationFailed',
        `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${dcr}' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False.`,
      );
    }
    if (!streams.has(stream)) {
      return fail(
        res,
        400,
        'InvalidStream',
        `The stream '${stream}' is not declared in the data collection rule '${dcr}'.`,
      );
    }
    const tooLarge = (length: number) =>
      fail(
        res,
        413,
        'ContentLengthLimitExceeded',
        `Maximum allowed content length: ${maxContentLength} bytes (1 MB). Provided content length: ${length} bytes.`,
      );
    if (raw.length > maxContentLength) return tooLarge(raw.length);
    let body: Buffer;
    try {
      body = await decodeBody(req, raw);
    } catch {
      return fail(res, 400, 'InvalidContentEncoding', 'The request body could not be decompressed as gzip.');
    }
    if (body.length > maxContentLength) return tooLarge(body.length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return fail(res, 400, 'InvalidPayload', 'The request body is not valid JSON.');
    }
    if (
      !Array.isArray(parsed) ||
      parsed.some((row) => row === null || typeof row !== 'object' || Array.isArray(row))
    ) {
      return fail(res, 400, 'InvalidPayload', 'The request body must be a JSON array of objects.');
    }
    const marker = options.refuseRowsContaining;
    const refused =
      marker === undefined ? -1 : parsed.findIndex((row) => JSON.stringify(row).includes(marker));
    if (refused !== -1) {
      return fail(
        res,
        400,
        'InvalidPayload',
        `Data at index ${refused} does not match the schema of stream '${stream}': it contains ${JSON.stringify(marker)}.`,
      );
    }
    if (options.store ?? true) {
      for (const row of parsed as Record<string, unknown>[]) ingested.push({ stream, row });
    }
    counters.rows += parsed.length;
    if (fault === 'reset-after-ingesting') {
      counters.resets += 1;
      return resetConnection(req);
    }
    counters.byStatus[204] = (counters.byStatus[204] ?? 0) + 1;
    res.writeHead(204);
    res.end();
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  return {
    url: server.url,
    counters,
    get lastHeaders() {
      return lastHeaders;
    },
    rows: (stream) =>
      ingested.filter((entry) => stream === undefined || entry.stream === stream).map((entry) => entry.row),
    ingested,
    injectFaults: (...more) => faults.push(...more),
    clear: () => {
      ingested.length = 0;
      faults.clear();
      Object.assign(counters, emptyCounters());
    },
    close: () => server.close(),
  };
}

function emptyCounters(): IngestionCounters {
  return { requests: 0, rows: 0, bytesReceived: 0, resets: 0, byStatus: {} };
}
