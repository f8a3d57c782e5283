import { SluiceError } from '../../../errors';
import type { AlertDocument } from '../../alerts/document';
import { AlertRoutingCodes } from '../codes';
import type { HttpAlertProtocol } from '../http-channel';
import { secretUrl, urlSecrets } from '../secret-url';
import { classifyWebhookAnswer } from './classifier';
import { webhookBody } from './encoder';

interface WebhookTarget {
  readonly url: URL;
  readonly token?: string;
}

const WHAT = 'the webhook URL, or JSON {"url": "https://…", "token": "…"}';

/** The secret: a URL, or JSON `{"url", "token"}`. Errors never quote it. */
export function webhookTarget(secret: string): WebhookTarget {
  const text = secret.trim();
  if (!text.startsWith('{')) return { url: secretUrl(text, WHAT) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SluiceError(
      AlertRoutingCodes.SECRET_INVALID,
      `the secret starts with "{" but is not JSON. Fix: store ${WHAT}`,
    );
  }
  const { url, token } = (parsed ?? {}) as { url?: unknown; token?: unknown };
  if (
    typeof url !== 'string' ||
    (token !== undefined && (typeof token !== 'string' || token.trim() === ''))
  ) {
    throw new SluiceError(
      AlertRoutingCodes.SECRET_INVALID,
      `the secret's JSON needs a string "url" and, if any, a non-empty string "token". Fix: store ${WHAT}`,
    );
  }
  return { url: secretUrl(url, WHAT), token: token?.trim() };
}

/**
 * A generic webhook: the alert document as JSON, `Authorization: Bearer <token>` when the secret has a
 * token, and `x-sluice-alert-id` (stable per alert, so a receiver can tell an update from a new alert).
 */
export const webhookProtocol: HttpAlertProtocol = {
  type: 'webhook',
  request: (alert: AlertDocument, secret: string) => {
    const target = webhookTarget(secret);
    return {
      url: target.url,
      headers: {
        'x-sluice-alert-id': alert.alertId,
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
      },
      body: webhookBody(alert),
      secrets: [...urlSecrets(target.url), ...(target.token ? [target.token] : [])],
    };
  },
  classify: classifyWebhookAnswer,
};
