import type { AlertDocument } from '../../alerts/document';
import type { HttpAlertProtocol } from '../http-channel';
import { secretUrl, urlSecrets } from '../secret-url';
import { classifySlackAnswer } from './classifier';
import { slackMessage } from './encoder';

/** Slack incoming webhooks: the secret is the webhook URL, the body `{text, blocks}`. */
export const slackProtocol: HttpAlertProtocol = {
  type: 'slack',
  request: (alert: AlertDocument, secret: string) => {
    const url = secretUrl(secret, 'the incoming-webhook URL (https://hooks.slack.com/services/…)');
    return { url, body: JSON.stringify(slackMessage(alert)), secrets: urlSecrets(url) };
  },
  classify: classifySlackAnswer,
};
