import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultSchedule, readRaw, resetConnection, sendJson, startLoopbackServer } from './server';

/** `reset`, or any verbatim answer (429 with an empty body, 500, 400 with errors…). */
export type PagerDutyFault =
  'reset' | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> };

export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: string;
  readonly dedup_key?: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: string;
    readonly timestamp?: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details?: Record<string, unknown>;
  };
  readonly [field: string]: unknown;
}

/** A PagerDuty alert: the triggers folded into it by `dedup_key`. */
export interface PagerDutyAlert {
  readonly dedupKey: string;
  triggers: number;
  last: PagerDutyEvent;
}

export interface PagerDutyEventsReceiverOptions {
  /** The integration key events must carry (32 characters). */
  readonly routingKey: string;
  readonly faults?: readonly PagerDutyFault[];
}

export interface PagerDutyEventsReceiver {
  /** The Events API endpoint (`<url>/v2/enqueue`). */
  readonly eventsUrl: string;
  /** Accepted events, in order. */
  readonly events: PagerDutyEvent[];
  /** Alerts by dedup_key: a trigger for an open alert is folded into it, as PagerDuty does. */
  readonly alerts: Map<string, PagerDutyAlert>;
  readonly counters: { requests: number; byStatus: Record<number, number> };
  injectFaults(...faults: PagerDutyFault[]): void;
  close(): Promise<void>;
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);

/** What PagerDuty's documentation shows for an event it refuses. */
function invalid(errors: string[]) {
  return { status: 'invalid event', message: 'Event object is invalid', errors };
}

function problemsOf(event: PagerDutyEvent, routingKey: string): string[] {
  const problems: string[] = [];
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) {
    problems.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  } else if (event.routing_key !== routingKey) {
    problems.push("'routing_key' is not the key of an Events API v2 integration");
  }
  if (!ACTIONS.has(event.event_action)) problems.push("'event_action' is invalid");
  if (
    event.dedup_key !== undefined &&
    (typeof event.dedup_key !== 'string' || event.dedup_key.length > 255)
  ) {
    problems.push("'dedup_key' must be a string of at most 255 characters");
  }
  if (event.event_action === 'trigger') {
    const payload = event.payload;
    if (!payload || typeof payload !== 'object') problems.push("'payload' is missing");
    else {
      if (typeof payload.summary !== 'string' || payload.summary.length === 0) {
        problems.push("'payload.summary' is missing");
      } else if (payload.summary.length > 1024) {
        problems.push("'payload.summary' is longer than 1024 characters");
      }
      if (typeof payload.source !== 'string' || payload.source.length === 0)
        problems.push("'payload.source' is missing");
      if (!SEVERITIES.has(payload.severity)) problems.push("'payload.severity' is invalid");
    }
  } else if (typeof event.dedup_key !== 'string') {
    problems.push("'dedup_key' is required for acknowledge and resolve");
  }
  return problems;
}

/**
 * PagerDuty's Events API v2 (`POST /v2/enqueue`): checks an event as the API documents it (32-character
 * routing key, event_action, payload.summary up to 1024 characters, source, severity among critical /
 * error / warning / info, dedup_key up to 255), answers `202 {"status":"success","message":"Event
 * processed","dedup_key":…}` or `400 {"status":"invalid event","message":"Event object is
 * invalid","errors":[…]}`, and folds triggers with the same dedup_key into one alert.
 */
export async function startPagerDutyEventsReceiver(
  options: PagerDutyEventsReceiverOptions,
): Promise<PagerDutyEventsReceiver> {
  const faults = new FaultSchedule<PagerDutyFault>(options.faults);
  const events: PagerDutyEvent[] = [];
  const alerts = new Map<string, PagerDutyAlert>();
  const counters = { requests: 0, byStatus: {} as Record<number, number> };

  const answer = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    sendJson(res, status, body, headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const raw = await readRaw(req);
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(res, 404, { status: 'not found' });
    const fault = faults.next([]);
    if (fault === 'reset') return resetConnection(req);
    if (fault) return answer(res, fault.status, fault.body, fault.headers);
    let event: PagerDutyEvent;
    try {
      event = JSON.parse(raw.toString('utf8')) as PagerDutyEvent;
    } catch {
      return answer(res, 400, invalid(['JSON parse error']));
    }
    const problems =
      event && typeof event === 'object' ? problemsOf(event, options.routingKey) : ['not an object'];
    if (problems.length > 0) return answer(res, 400, invalid(problems));
    const dedupKey = event.dedup_key ?? randomUUID().replace(/-/g, '');
    events.push(event);
    if (event.event_action === 'trigger') {
      const open = alerts.get(dedupKey);
      if (open) {
        open.triggers += 1;
        open.last = event;
      } else alerts.set(dedupKey, { dedupKey, triggers: 1, last: event });
    } else if (event.event_action === 'resolve') alerts.delete(dedupKey);
    answer(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  };

  const server = await startLoopbackServer(handle);
  return {
    eventsUrl: `${server.url}/v2/enqueue`,
    events,
    alerts,
    counters,
    injectFaults: (...more) => faults.push(...more),
    close: () => server.close(),
  };
}
