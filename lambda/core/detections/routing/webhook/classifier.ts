import type { HttpResponse } from '../../../http/client';
import { excerpt } from '../../../sinks/classification';
import { AlertRoutingCodes } from '../codes';
import { delivered, giveUp, retry, type ChannelVerdict } from '../verdict';

/** 4xx answers that say "this content is unacceptable" rather than "this request is misaddressed". */
const CONTENT_REFUSED = new Set([400, 413, 415, 422]);

/**
 * Reads a generic webhook's answer, by HTTP's meanings (a webhook documents nothing more):
 *
 * - 2xx: delivered.
 * - 401/403: the token is refused; the secret is re-read once in case it was rotated
 *   (ALERT_CHANNEL_MISCONFIGURED).
 * - 404, 405, 410 and other 4xx: the URL is wrong (ALERT_CHANNEL_MISCONFIGURED).
 * - 400, 413, 415, 422: the webhook refused this alert (ALERT_CHANNEL_REJECTED).
 * - 408, 425 (Too Early: the server would not risk a replayed request, RFC 8470), 429, 5xx: retry, never
 *   before Retry-After.
 */
export function classifyWebhookAnswer(response: HttpResponse): ChannelVerdict {
  const { status, body } = response;
  const description = `webhook ${status}${body ? `: ${excerpt(body)}` : ''}`;
  if (status >= 200 && status < 300) return delivered;
  if (status === 408 || status === 425 || status === 429 || status >= 500) return retry(description);
  if (status === 401 || status === 403) {
    return giveUp(
      AlertRoutingCodes.MISCONFIGURED,
      `${description}: the token was refused. Fix: store the right token in the route's secret`,
      true,
    );
  }
  if (CONTENT_REFUSED.has(status))
    return giveUp(AlertRoutingCodes.REJECTED, `${description}: the webhook refused the alert`);
  if (status >= 400 && status < 500) {
    return giveUp(
      AlertRoutingCodes.MISCONFIGURED,
      `${description}. Fix: check the URL in the route's secret`,
    );
  }
  return giveUp(AlertRoutingCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
