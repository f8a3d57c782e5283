import { AlertRoutingCodes } from '../codes';
import { delivered, giveUp, retry, type ChannelVerdict } from '../verdict';
import type { SnsPublishResult } from './publisher';

/** The topic, its key or the role's permissions are wrong: the same for every alert. */
const MISCONFIGURED = new Set([
  'NotFound',
  'NotFoundException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidSecurity',
  'KMSAccessDenied',
  'KMSDisabled',
  'KMSInvalidState',
  'KMSNotFound',
  'KMSOptInRequired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
]);

/** Throttling by name: SNS answers some of it with 400. */
const THROTTLED = /Throttl|TooManyRequests|RequestLimitExceeded/;

/**
 * Reads a Publish outcome. No answer at all (network, timeout) and throttling or 5xx: retry. A topic,
 * key or permission problem: ALERT_CHANNEL_MISCONFIGURED. Any other 4xx (`InvalidParameter`, e.g. a
 * message above 256 KiB): SNS refused this message (ALERT_CHANNEL_REJECTED).
 */
export function classifySnsPublish(result: SnsPublishResult): ChannelVerdict {
  if (result.ok) return delivered;
  const { name, status, message } = result.failure;
  const description = `SNS ${name}${status === undefined ? '' : ` (HTTP ${status})`}${message ? `: ${message}` : ''}`;
  if (status === undefined || status >= 500 || status === 429 || THROTTLED.test(name))
    return retry(description);
  if (MISCONFIGURED.has(name) || status === 403 || status === 404) {
    return giveUp(
      AlertRoutingCodes.MISCONFIGURED,
      `${description}. Fix: check the alert topic exists and the role may sns:Publish to it (and use its KMS key)`,
    );
  }
  if (status >= 400) return giveUp(AlertRoutingCodes.REJECTED, `${description}: SNS refused the message`);
  return giveUp(AlertRoutingCodes.UNEXPECTED_ANSWER, `${description}: unexpected answer`);
}
