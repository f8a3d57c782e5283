/**
 * Stable codes an alert route reports when it could not deliver an alert. Alarms, metrics and
 * runbooks key on these: never rename one.
 */
export const AlertRoutingCodes = {
  /**
   * The channel read the alert and refused it (Slack 400 `invalid_payload` / `no_text`, PagerDuty 400
   * invalid event, a webhook's 400/422, SNS `InvalidParameter`): the same alert would be refused again.
   */
  REJECTED: 'ALERT_CHANNEL_REJECTED',
  /**
   * The route's address or credentials are wrong or gone (Slack 403 `action_prohibited`, 404
   * `no_service`, 410 `channel_is_archived`; a webhook's 401/403/404/410; an SNS topic that does not
   * exist): every alert fails until the route or its secret is fixed.
   */
  MISCONFIGURED: 'ALERT_CHANNEL_MISCONFIGURED',
  /** The channel kept failing (429, 5xx, network) until the retry budget or the deadline ran out. */
  UNAVAILABLE: 'ALERT_CHANNEL_UNAVAILABLE',
  /** No time was left to try before the deadline: the channel refused nothing. */
  DEADLINE: 'ALERT_CHANNEL_DEADLINE',
  /** An answer the channel does not document (a redirect, an unknown status). */
  UNEXPECTED_ANSWER: 'ALERT_CHANNEL_UNEXPECTED_ANSWER',
  /** A certificate or TLS negotiation failure: not retried inside the invocation. */
  TLS_FAILED: 'ALERT_CHANNEL_TLS_FAILED',
  /** The route's secret could not be read from Secrets Manager. */
  SECRET_UNREADABLE: 'ALERT_SECRET_UNREADABLE',
  /** The route's secret has the wrong shape (e.g. not a URL). The message never quotes it. */
  SECRET_INVALID: 'ALERT_SECRET_INVALID',
  /** A bug in an encoder or classifier: reported, never thrown at the caller. */
  FAILED: 'ALERT_ROUTING_FAILED',
  /**
   * A `sluice-alerts` record that is not an alert document as the detections stage writes it (a field
   * missing or of the wrong type, a status other than `opened` / `updated`): quarantined, never sent.
   */
  INVALID_ALERT: 'ALERT_RECORD_INVALID',
} as const;

export type AlertRoutingCode = (typeof AlertRoutingCodes)[keyof typeof AlertRoutingCodes];

/**
 * Whether sending the alert again later can succeed. Only a refused alert cannot: the channel read it
 * and said no. Every other failure (the channel down, a wrong or revoked secret) ends once the channel
 * or the route is fixed, so the caller keeps the alert to send again, as a sink keeps a failed batch.
 */
export function retryLater(code: AlertRoutingCode): boolean {
  return code !== AlertRoutingCodes.REJECTED && code !== AlertRoutingCodes.INVALID_ALERT;
}
