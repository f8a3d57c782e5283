import type { HttpResponse } from '../../../http/client';
import { excerpt } from '../../../sinks/classification';
import { AlertRoutingCodes } from '../codes';
import { delivered, giveUp, retry, type ChannelVerdict } from '../verdict';

/**
 * Error strings that blame the webhook, not the message: Slack documents `user_not_found` as a 400, and
 * a URL missing its ids (`no_service_id`) can be answered 400 too. A 400 carrying one of them read as a
 * refusal would quarantine every alert for good while the secret is wrong.
 */
const WEBHOOK_ERRORS = new Set([
  'user_not_found',
  'channel_not_found',
  'no_service',
  'no_service_id',
  'no_team',
  'team_disabled',
  'invalid_token',
  'no_active_hooks',
  'action_prohibited',
  'posting_to_general_channel_denied',
]);

/**
 * Reads a Slack incoming webhook's answer. Slack answers `200 ok`, or an HTTP status with a short error
 * string as the body (api.slack.com changelog 2016-05-17, "Improving error conditions for Incoming
 * Webhooks"), and `429 Too Many Requests` with `Retry-After` (seconds) above about one message a second.
 *
 * - 2xx: delivered.
 * - 400 (`invalid_payload`, `no_text`, `invalid_blocks`…): Slack refused this message; the same message
 *   would be refused again (ALERT_CHANNEL_REJECTED). A 400 naming the webhook (`user_not_found`,
 *   `no_service_id`…) is read like a 403/404.
 * - 403 (`action_prohibited`, `invalid_token`), 404 (`no_service`, `channel_not_found`), 410
 *   (`channel_is_archived`): the webhook is restricted, revoked or its channel archived
 *   (ALERT_CHANNEL_MISCONFIGURED). 403 and 404 blame the URL: the secret is re-read once, in case the
 *   webhook was replaced and the secret rotated.
 * - 429, 408, 5xx (`rollup_error`): retry, never before Retry-After.
 * - anything else: unexpected (redirects are not followed).
 */
export function classifySlackAnswer(response: HttpResponse): ChannelVerdict {
  const { status, body } = response;
  const description = `Slack ${status}${body ? ` ${excerpt(body)}` : ''}`;
  if (status >= 200 && status < 300) return delivered;
  if (status === 429 || status === 408 || status >= 500) return retry(description);
  if (status === 400 && !WEBHOOK_ERRORS.has(body.trim()))
    return giveUp(AlertRoutingCodes.REJECTED, `${description}: Slack refused the message`);
  if (status === 400 || status === 403 || status === 404) {
    return giveUp(
      AlertRoutingCodes.MISCONFIGURED,
      `${description}: the webhook is revoked or not allowed to post. Fix: create a new incoming webhook and store its URL in the route's secret`,
      true,
    );
  }
  if (status === 410) {
    return giveUp(
      AlertRoutingCodes.MISCONFIGURED,
      `${description}: the webhook's channel is archived. Fix: unarchive it, or point the route at a webhook of another channel`,
    );
  }
  return giveUp(AlertRoutingCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
