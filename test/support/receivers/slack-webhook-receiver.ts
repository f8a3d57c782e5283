import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSchedule, readRaw, resetConnection, startLoopbackServer } from './server';

/**
 * `reset`, `{ retryAfterSeconds }` (Slack's rate limiting: 429 with Retry-After, and 429 again to any
 * message before that time has passed), or any verbatim answer (e.g. 400 `invalid_payload`, 410
 * `channel_is_archived`, 500 `rollup_error`).
 */
export type SlackFault =
  'reset' | { readonly retryAfterSeconds: number } | { readonly status: number; readonly body: string };

export interface SlackWebhookReceiverOptions {
  /** The webhook's path; any other path answers 404 `no_service`. Default: a made-up `/services/…` path. */
  readonly path?: string;
  readonly faults?: readonly SlackFault[];
}

export interface SlackMessage {
  readonly text?: string;
  readonly blocks?: readonly Record<string, unknown>[];
}

export interface SlackWebhookReceiver {
  /** The incoming-webhook URL (what the route's secret holds). */
  readonly webhookUrl: string;
  readonly url: string;
  /** Every message Slack would have posted, in order. */
  readonly messages: SlackMessage[];
  readonly counters: { requests: number; byStatus: Record<number, number>; earlyRetries: number };
  injectFaults(...faults: SlackFault[]): void;
  close(): Promise<void>;
}

const DEFAULT_PATH = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

/**
 * A Slack incoming webhook, answering as Slack documents: `200 ok`; `400 invalid_payload` for a body
 * that is not JSON, `400 no_text` for a message with neither text nor blocks; `404 no_service` for an
 * unknown webhook; and rate limiting as `429` with `Retry-After` in seconds (a message sent before that
 * time is refused again, and counted in `earlyRetries`). Answers are plain text, as Slack's are.
 */
export async function startSlackWebhookReceiver(
  options: SlackWebhookReceiverOptions = {},
): Promise<SlackWebhookReceiver> {
  const path = options.path ?? DEFAULT_PATH;
  const faults = new FaultSchedule<SlackFault>(options.faults);
  const messages: SlackMessage[] = [];
  const counters = { requests: 0, byStatus: {} as Record<number, number>, earlyRetries: 0 };
  let limitedUntil = 0;

  const answer = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const raw = await readRaw(req);
    if (req.method !== 'POST') return answer(res, 405, 'invalid_method');
    if (req.url !== path) return answer(res, 404, 'no_service');
    const now = Date.now();
    if (now < limitedUntil) {
      counters.earlyRetries += 1;
      return answer(res, 429, 'rate_limited', {
        'retry-after': String(Math.ceil((limitedUntil - now) / 1000)),
      });
    }
    const fault = faults.next([]);
    if (fault === 'reset') return resetConnection(req);
    if (fault && 'retryAfterSeconds' in fault) {
      limitedUntil = now + fault.retryAfterSeconds * 1000;
      return answer(res, 429, 'rate_limited', { 'retry-after': String(fault.retryAfterSeconds) });
    }
    if (fault) return answer(res, fault.status, fault.body);
    let message: SlackMessage;
    try {
      message = JSON.parse(raw.toString('utf8')) as SlackMessage;
    } catch {
      return answer(res, 400, 'invalid_payload');
    }
    if (message === null || typeof message !== 'object') return answer(res, 400, 'invalid_payload');
    if (!message.text && !(Array.isArray(message.blocks) && message.blocks.length > 0)) {
      return answer(res, 400, 'no_text');
    }
    if (message.blocks !== undefined && !Array.isArray(message.blocks))
      return answer(res, 400, 'invalid_blocks');
    messages.push(message);
    answer(res, 200, 'ok');
  };

  const server = await startLoopbackServer(handle);
  return {
    webhookUrl: `${server.url}${path}`,
    url: server.url,
    messages,
    counters,
    injectFaults: (...more) => faults.push(...more),
    close: () => server.close(),
  };
}
