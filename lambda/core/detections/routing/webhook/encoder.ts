import type { AlertDocument } from '../../alerts/document';
import { fitAlert } from '../fit';

/** Bodies above this are trimmed (samples, then record references): a webhook is not a bulk endpoint. */
export const WEBHOOK_MAX_BYTES = 1_000_000;

/** The alert document as JSON, exactly what is written as log type `sluice-alerts`, trimmed to 1 MB. */
export function webhookBody(alert: AlertDocument): string {
  return fitAlert(alert, WEBHOOK_MAX_BYTES);
}
