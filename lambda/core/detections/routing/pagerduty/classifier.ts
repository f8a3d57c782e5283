import type { HttpResponse } from '../../../http/client';
import { excerpt, parseJsonBody } from '../../../sinks/classification';
import { AlertRoutingCodes } from '../codes';
import { delivered, giveUp, retry, type ChannelVerdict } from '../verdict';

/** PagerDuty's error answer: `{"status": "invalid event", "message": "…", "errors": ["…"]}`. */
function describe(response: HttpResponse): string {
  const parsed = parseJsonBody(response.body) as { message?: unknown; errors?: unknown } | undefined;
  const errors = Array.isArray(parsed?.errors)
    ? parsed.errors.filter((error): error is string => typeof error === 'string')
    : [];
  const message = typeof parsed?.message === 'string' ? parsed.message : undefined;
  const text = [message, ...errors].filter(Boolean).join('; ') || excerpt(response.body);
  return `PagerDuty ${response.status}${text ? `: ${excerpt(text, 300)}` : ''}`;
}

/**
 * Reads an Events API v2 answer, as PagerDuty documents its retry logic: 202 accepted (no retry), 400
 * invalid event (no retry), 429 too many calls (retry after some time, with a back off), 5xx and network
 * errors (retry after some time).
 *
 * - 2xx: delivered (`{"status": "success", "dedup_key": …}`).
 * - 400 naming the `routing_key`: the integration key is wrong (ALERT_CHANNEL_MISCONFIGURED); the secret
 *   is re-read once in case it was rotated. Any other 400: this event was refused
 *   (ALERT_CHANNEL_REJECTED), never resent unchanged.
 * - 429, 408, 5xx: retry with backoff (and never before a Retry-After, should it send one).
 * - 401/403/404: the route's URL is not the Events API (ALERT_CHANNEL_MISCONFIGURED).
 */
export function classifyPagerDutyAnswer(response: HttpResponse): ChannelVerdict {
  const { status } = response;
  if (status >= 200 && status < 300) return delivered;
  const description = describe(response);
  if (status === 429 || status === 408 || status >= 500) return retry(description);
  if (status === 400) {
    if (/routing.?key/i.test(response.body)) {
      return giveUp(
        AlertRoutingCodes.MISCONFIGURED,
        `${description}. Fix: store the Events API v2 integration key of the service in the route's secret`,
        true,
      );
    }
    return giveUp(AlertRoutingCodes.REJECTED, `${description}: PagerDuty refused the event`);
  }
  if (status === 401 || status === 403 || status === 404 || status === 405) {
    return giveUp(
      AlertRoutingCodes.MISCONFIGURED,
      `${description}. Fix: set the route's url to the Events API v2 endpoint (https://events.pagerduty.com/v2/enqueue)`,
    );
  }
  return giveUp(AlertRoutingCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
