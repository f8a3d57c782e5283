import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSchedule, readRaw, resetConnection, sendJson, startLoopbackServer } from './server';

/** `reset`, or any verbatim answer. */
export type AlertWebhookFault =
  'reset' | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export interface AlertWebhookReceiverOptions {
  /** Required bearer token. Default: none required. */
  readonly token?: string;
  readonly faults?: readonly AlertWebhookFault[];
}

export interface ReceivedAlert {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
}

export interface AlertWebhookReceiver {
  readonly url: string;
  readonly received: ReceivedAlert[];
  readonly counters: { requests: number; byStatus: Record<number, number> };
  injectFaults(...faults: AlertWebhookFault[]): void;
  close(): Promise<void>;
}

/**
 * A generic alert webhook: takes one JSON object per POST and answers `200 {}`; 401 without the bearer
 * token it requires, 400 for a body that is not a JSON object.
 */
export async function startAlertWebhookReceiver(
  options: AlertWebhookReceiverOptions = {},
): Promise<AlertWebhookReceiver> {
  const faults = new FaultSchedule<AlertWebhookFault>(options.faults);
  const received: ReceivedAlert[] = [];
  const counters = { requests: 0, byStatus: {} as Record<number, number> };

  const answer = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    sendJson(res, status, body, headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const raw = await readRaw(req);
    const fault = faults.next([]);
    if (fault === 'reset') return resetConnection(req);
    if (fault) return answer(res, fault.status, fault.body, fault.headers);
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return answer(res, 401, { error: 'unauthorized' });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, { error: 'body is not JSON' });
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return answer(res, 400, { error: 'expected a JSON object' });
    }
    received.push({ body: body as Record<string, unknown>, headers: req.headers });
    answer(res, 200, {});
  };

  const server = await startLoopbackServer(handle);
  return {
    url: server.url,
    received,
    counters,
    injectFaults: (...more) => faults.push(...more),
    close: () => server.close(),
  };
}
