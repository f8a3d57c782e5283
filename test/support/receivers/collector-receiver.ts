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

/** `reset`, `{ delayMs }`, or any verbatim answer; `ok` answers normally. */
export type CollectorFault =
  | 'ok'
  | 'reset'
  | { readonly delayMs: number }
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export interface CollectorReceiverOptions {
  /** Required bearer token. Default: none required. */
  readonly token?: string;
  /** Largest body as received; above it, 413. Default: 10 MB. */
  readonly maxContentLength?: number;
  readonly faults?: readonly CollectorFault[];
  readonly random?: () => number;
  /**
   * A request holding a record whose JSON text contains this string is refused whole, as collectors
   * validating a schema do: 400 `{"error":"record <i> is invalid: …"}`, no record stored. Default: none.
   */
  readonly refuseRecordsContaining?: string;
}

export interface CollectorReceiver {
  readonly url: string;
  /** Every record received in an accepted request, in order. */
  readonly records: unknown[];
  readonly counters: { requests: number; records: number; byStatus: Record<number, number> };
  readonly lastHeaders: IncomingMessage['headers'] | undefined;
  injectFaults(...faults: CollectorFault[]): void;
  close(): Promise<void>;
}

/** A generic HTTPS log collector: accepts a JSON array of records per POST and answers 200 `{}`. */
export async function startCollectorReceiver(
  options: CollectorReceiverOptions = {},
): Promise<CollectorReceiver> {
  const faults = new FaultSchedule<CollectorFault>(options.faults, options.random);
  const maxContentLength = options.maxContentLength ?? 10_000_000;
  const records: unknown[] = [];
  const counters = { requests: 0, records: 0, byStatus: {} as Record<number, number> };
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

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    lastHeaders = req.headers;
    const raw = await readRaw(req);
    const fault = faults.next([]);
    if (fault === 'reset') return resetConnection(req);
    if (typeof fault === 'object' && 'status' in fault)
      return answer(res, fault.status, fault.body, fault.headers);
    if (typeof fault === 'object' && 'delayMs' in fault) await delay(fault.delayMs);
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return answer(res, 401, { error: 'unauthorized' });
    }
    if (raw.length > maxContentLength) return answer(res, 413, { error: 'payload too large' });
    let parsed: unknown;
    try {
      parsed = JSON.parse((await decodeBody(req, raw)).toString('utf8'));
    } catch {
      return answer(res, 400, { error: 'body is not JSON' });
    }
    if (!Array.isArray(parsed)) return answer(res, 400, { error: 'expected a JSON array' });
    const marker = options.refuseRecordsContaining;
    const refused =
      marker === undefined ? -1 : parsed.findIndex((record) => JSON.stringify(record).includes(marker));
    if (refused !== -1) {
      return answer(res, 400, {
        error: `record ${refused} is invalid: it contains ${JSON.stringify(marker)}`,
      });
    }
    records.push(...parsed);
    counters.records += parsed.length;
    answer(res, 200, {});
  };

  const server: LoopbackServer = await startLoopbackServer(handle);
  return {
    url: server.url,
    records,
    counters,
    get lastHeaders() {
      return lastHeaders;
    },
    injectFaults: (...more) => faults.push(...more),
    close: () => server.close(),
  };
}
