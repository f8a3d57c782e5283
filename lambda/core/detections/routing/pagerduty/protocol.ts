import { SluiceError } from '../../../errors';
import type { AlertDocument } from '../../alerts/document';
import { AlertRoutingCodes } from '../codes';
import type { HttpAlertProtocol } from '../http-channel';
import { classifyPagerDutyAnswer } from './classifier';
import { pagerDutyEvent } from './encoder';

/** Events API v2 integration keys are 32 characters (PagerDuty's 400 says so of any other length). */
const ROUTING_KEY = /^[A-Za-z0-9]{32}$/;

function routingKey(secret: string): string {
  const key = secret.trim();
  if (ROUTING_KEY.test(key)) return key;
  throw new SluiceError(
    AlertRoutingCodes.SECRET_INVALID,
    `the secret holds ${key.length} characters, not an Events API v2 integration key (32 letters and digits). Fix: store the integration key of the PagerDuty service's Events API v2 integration as the plain secret string`,
  );
}

/** PagerDuty Events API v2: the secret is the routing key, sent in the body (no header carries it). */
export function pagerDutyProtocol(url: string, source: string): HttpAlertProtocol {
  const endpoint = new URL(url);
  return {
    type: 'pagerduty',
    request: (alert: AlertDocument, secret: string) => {
      const key = routingKey(secret);
      return { url: endpoint, body: JSON.stringify(pagerDutyEvent(alert, key, source)), secrets: [key] };
    },
    classify: classifyPagerDutyAnswer,
  };
}
