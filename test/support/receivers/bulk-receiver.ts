import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
import { errorBody, filterAnswer, parseBulkBody, type ItemResult } from './bulk-protocol';

/**
 * One request's fault:
 * - `throttle`: whole-request 429 es_rejected_execution_exception; `unavailable`: 503
 * - `reset`: connection destroyed after reading, nothing indexed
 * - `reset-after-indexing`: documents indexed, then the connection is destroyed (the client resends: 409s)
 * - `{ delayMs }`: answer normally after a delay
 * - `{ rejectItems: [positions] }`: those items answer 429 es_rejected_execution_exception
 * - `{ status, body, headers? }`: any answer, verbatim
 * - `ok`: answer normally
 */
export type BulkFault =
  | 'ok'
  | 'throttle'
  | 'unavailable'
  | 'reset'
  | 'reset-after-indexing'
  | { readonly delayMs: number }
  | { readonly rejectItems: readonly number[] }
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export type BulkAuth =
  | { readonly apiKey: string }
  | { readonly username: string; readonly password: string }
  /** Checks the shape of a SigV4 request and that x-amz-content-sha256 is the hash of the bytes received. */
  | { readonly sigv4: true };

export interface BulkReceiverOptions {
  /** Default: no authentication. */
  readonly auth?: BulkAuth;
  /** Largest request body as received; above it, 413 (Elasticsearch's http.max_content_length). Default: 100 MB. */
  readonly maxContentLength?: number;
  /** Documents matching this answer 400 mapper_parsing_exception. */
  readonly mappingError?: (document: unknown, index: string) => boolean;
  /** Behave like a data stream: only `create`, and `@timestamp` is required. Default: false. */
  readonly dataStreams?: boolean;
  /** Keep documents (`documents()`). Default: true. */
  readonly store?: boolean;
  /** Faults for the first requests, in order. */
  readonly faults?: readonly BulkFault[];
  /** Each item answers 429 with this probability. */
  readonly itemRejectionProbability?: number;
  /** Each document (by index and _id) answers 429 on its first N attempts. */
  readonly rejectFirstAttempts?: number;
  readonly throttleProbability?: number;
  readonly unavailableProbability?: number;
  readonly resetProbability?: number;
  /** Delay every answer by this much. */
  readonly delayMs?: number;
  readonly random?: () => number;
}

export interface BulkCounters {
  /** `_bulk` requests (and requests to anything else but the settings below). */
  requests: number;
  /** `GET /<index>/_settings…` (the rollover lookup's): answered before faults, which are for `_bulk`. */
  settingsRequests: number;
  /** Actions received, including those answered with an error. */
  items: number;
  created: number;
  /** `create` of an _id that already existed (answered 409). */
  duplicates: number;
  /** Items answered 429. */
  itemRejections: number;
  /** Items answered 400 (mapping / parsing). */
  documentErrors: number;
  bytesReceived: number;
  resets: number;
  byStatus: Record<number, number>;
}

export interface BulkReceiver {
  /** Cluster URL (the client adds `/_bulk`). */
  readonly url: string;
  readonly counters: BulkCounters;
  readonly lastHeaders: IncomingMessage['headers'] | undefined;
  /** Stored documents of one index, or of all of them. */
  documents(index?: string): unknown[];
  /** Document by index and _id. */
  document(index: string, id: string): unknown;
  readonly indices: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  injectFaults(...faults: BulkFault[]): void;
  setAuth(auth: BulkAuth | undefined): void;
  clear(): void;
  close(): Promise<void>;
}

/** Starts a local Elasticsearch `_bulk` endpoint that parses and answers like the real one. */
export async function startBulkReceiver(options: BulkReceiverOptions = {}): Promise<BulkReceiver> {
  let auth = options.auth;
  const store = options.store ?? true;
  const random = options.random ?? Math.random;
  const maxContentLength = options.maxContentLength ?? 100 * 1024 * 1024;
  const faults = new FaultSchedule<BulkFault>(options.faults, random);
  const indices = new Map<string, Map<string, unknown>>();
  const attempts = new Map<string, number>();
  const counters: BulkCounters = emptyCounters();
  let lastHeaders: IncomingMessage['headers'] | undefined;

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers?: Record<string, string>,
  ): void => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    sendJson(res, status, body, headers);
  };

  const authRefusal = (
    req: IncomingMessage,
    raw: Buffer,
  ): [number, unknown, Record<string, string>?] | undefined => {
    if (!auth) return undefined;
    const header = req.headers.authorization ?? '';
    if ('sigv4' in auth) {
      const hash = req.headers['x-amz-content-sha256'];
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(header)?.[1].split(';') ?? [];
      const ok =
        header.startsWith('AWS4-HMAC-SHA256 Credential=') &&
        typeof req.headers['x-amz-date'] === 'string' &&
        hash === createHash('sha256').update(raw).digest('hex') &&
        ['host', 'x-amz-content-sha256', 'x-amz-date'].every((name) => signedHeaders.includes(name));
      return ok
        ? undefined
        : [
            403,
            { message: 'The request signature we calculated does not match the signature you provided.' },
          ];
    }
    const expected =
      'apiKey' in auth
        ? `ApiKey ${auth.apiKey}`
        : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (header === expected) return undefined;
    const reason = header
      ? 'unable to authenticate with provided credentials'
      : `missing authentication credentials for REST request [${req.url}]`;
    return [
      401,
      errorBody(401, 'security_exception', reason),
      { 'www-authenticate': 'Basic realm="security", ApiKey' },
    ];
  };

  const indexOf = (name: string): Map<string, unknown> => {
    let documents = indices.get(name);
    if (!documents) {
      documents = new Map();
      indices.set(name, documents);
      createdAt.set(name, Date.now());
    }
    return documents;
  };

  const createdAt = new Map<string, number>();

  /**
   * Each index here is a plain index (or a data stream that never rolled over): one index, so the
   * settings name one, and the sink has nothing to look up. 404 before the first document, as there.
   */
  const settings = (req: IncomingMessage, res: ServerResponse, name: string, raw: Buffer): void => {
    counters.settingsRequests += 1;
    const refusal = authRefusal(req, raw);
    if (refusal) return answer(res, ...refusal);
    const created = createdAt.get(name);
    if (created === undefined || !indices.has(name)) {
      return answer(res, 404, errorBody(404, 'index_not_found_exception', `no such index [${name}]`));
    }
    answer(res, 200, { [name]: { settings: { 'index.creation_date': String(created) } } });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const settingsPath = /^\/([^/_][^/]*)\/_settings(?:\/[^/]*)?$/.exec(
      new URL(req.url ?? '/', 'http://receiver').pathname,
    );
    if (req.method === 'GET' && settingsPath) {
      return settings(req, res, decodeURIComponent(settingsPath[1]), await readRaw(req));
    }
    counters.requests += 1;
    lastHeaders = req.headers;
    const started = Date.now();
    const raw = await readRaw(req);
    counters.bytesReceived += raw.length;
    const fault = faults.next([
      ['reset', options.resetProbability],
      ['throttle', options.throttleProbability],
      ['unavailable', options.unavailableProbability],
    ]);
    if (options.delayMs) await delay(options.delayMs);
    if (fault === 'reset') {
      counters.resets += 1;
      resetConnection(req);
      return;
    }
    if (fault === 'throttle') {
      return answer(
        res,
        429,
        errorBody(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation'),
      );
    }
    if (fault === 'unavailable') {
      return answer(res, 503, errorBody(503, 'unavailable_shards_exception', 'primary shard is not active'));
    }
    if (typeof fault === 'object' && 'status' in fault)
      return answer(res, fault.status, fault.body, fault.headers);
    if (typeof fault === 'object' && 'delayMs' in fault) await delay(fault.delayMs);

    const url = new URL(req.url ?? '/', 'http://receiver');
    const pathMatch = /^(?:\/([^/_][^/]*))?\/_bulk\/?$/.exec(url.pathname);
    if (req.method !== 'POST' && req.method !== 'PUT') {
      return answer(
        res,
        405,
        errorBody(405, 'method_not_allowed', `Incorrect HTTP method for uri [${req.url}]`),
      );
    }
    if (!pathMatch) {
      return answer(res, 400, { error: `no handler found for uri [${req.url}] and method [${req.method}]` });
    }
    if (raw.length > maxContentLength) {
      counters.byStatus[413] = (counters.byStatus[413] ?? 0) + 1;
      res.writeHead(413, { 'content-length': '0' });
      res.end();
      return;
    }
    const refusal = authRefusal(req, raw);
    if (refusal) return answer(res, ...refusal);

    let text: string;
    try {
      text = (await decodeBody(req, raw)).toString('utf8');
    } catch {
      return answer(
        res,
        400,
        errorBody(400, 'illegal_argument_exception', 'failed to decompress the request body'),
      );
    }
    const parsed = parseBulkBody(text, pathMatch[1]);
    if (!parsed.ok) return answer(res, 400, errorBody(400, parsed.type, parsed.reason));
    const actions = parsed.actions;

    const rejectPositions =
      typeof fault === 'object' && 'rejectItems' in fault ? new Set(fault.rejectItems) : new Set<number>();
    const results: Array<Record<string, ItemResult>> = [];
    let errors = false;
    for (let position = 0; position < actions.length; position += 1) {
      const { op, index, id, source } = actions[position];
      counters.items += 1;
      const item = (status: number, rest: Partial<ItemResult> = {}): void => {
        if (status >= 300) errors = true;
        results.push({ [op]: { _index: index, _id: id, status, ...rest } });
      };
      const fail = (status: number, type: string, reason: string): void =>
        item(status, { error: { type, reason } });

      const key = `${index}\u0000${id ?? ''}`;
      const attempt = id === undefined ? 1 : (attempts.get(key) ?? 0) + 1;
      if (id !== undefined && options.rejectFirstAttempts) attempts.set(key, attempt);
      if (
        rejectPositions.has(position) ||
        (options.rejectFirstAttempts !== undefined &&
          id !== undefined &&
          attempt <= options.rejectFirstAttempts) ||
        (options.itemRejectionProbability !== undefined && random() < options.itemRejectionProbability)
      ) {
        counters.itemRejections += 1;
        fail(
          429,
          'es_rejected_execution_exception',
          'rejected execution of primary operation [queue capacity = 200]',
        );
        continue;
      }
      const documents = indexOf(index);
      if (op === 'delete') {
        if (id !== undefined && documents.delete(id)) item(200, { result: 'deleted' });
        else item(404, { result: 'not_found' });
        continue;
      }
      if (op === 'update') {
        fail(400, 'illegal_argument_exception', 'this receiver does not implement update');
        continue;
      }
      if (options.dataStreams && op !== 'create') {
        fail(
          400,
          'illegal_argument_exception',
          `only write ops with an op_type of create are allowed in data streams`,
        );
        continue;
      }
      let document: unknown;
      try {
        document = JSON.parse(source ?? '');
      } catch (error) {
        counters.documentErrors += 1;
        fail(400, 'mapper_parsing_exception', `failed to parse: ${(error as Error).message}`);
        continue;
      }
      if (document === null || typeof document !== 'object' || Array.isArray(document)) {
        counters.documentErrors += 1;
        fail(400, 'mapper_parsing_exception', 'failed to parse, document is empty or not an object');
        continue;
      }
      if (options.dataStreams && !('@timestamp' in document)) {
        counters.documentErrors += 1;
        fail(400, 'document_parsing_exception', 'data stream timestamp field [@timestamp] is missing');
        continue;
      }
      if (options.mappingError?.(document, index)) {
        counters.documentErrors += 1;
        fail(400, 'mapper_parsing_exception', 'failed to parse field of type [long] in document');
        continue;
      }
      const documentId = id ?? randomBytes(15).toString('base64url');
      if (op === 'create' && documents.has(documentId)) {
        counters.duplicates += 1;
        fail(
          409,
          'version_conflict_engine_exception',
          `[${documentId}]: version conflict, document already exists (current version [1])`,
        );
        continue;
      }
      const existed = documents.has(documentId);
      documents.set(documentId, store ? document : true);
      if (!existed) counters.created += 1;
      item(existed ? 200 : 201, { _id: documentId, _version: 1, result: existed ? 'updated' : 'created' });
    }

    if (fault === 'reset-after-indexing') {
      counters.resets += 1;
      resetConnection(req);
      return;
    }
    answer(
      res,
      200,
      filterAnswer(
        { took: Date.now() - started, errors, items: results },
        url.searchParams.get('filter_path'),
      ),
    );
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  return {
    url: server.url,
    counters,
    get lastHeaders() {
      return lastHeaders;
    },
    indices,
    documents: (index) =>
      index === undefined
        ? [...indices.values()].flatMap((documents) => [...documents.values()])
        : [...(indices.get(index)?.values() ?? [])],
    document: (index, id) => indices.get(index)?.get(id),
    injectFaults: (...more) => faults.push(...more),
    setAuth: (next) => {
      auth = next;
    },
    clear: () => {
      indices.clear();
      createdAt.clear();
      attempts.clear();
      faults.clear();
      Object.assign(counters, emptyCounters());
    },
    close: () => server.close(),
  };
}

function emptyCounters(): BulkCounters {
  return {
    requests: 0,
    settingsRequests: 0,
    items: 0,
    created: 0,
    duplicates: 0,
    itemRejections: 0,
    documentErrors: 0,
    bytesReceived: 0,
    resets: 0,
    byStatus: {},
  };
}
