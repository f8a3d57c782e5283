import type { AlertDocument } from '../alerts/document';
import type { AlertRoutingCode } from './codes';
import type { AlertRouteType } from './config';

/** How sending one alert to one channel ended, once retries within the deadline are spent. */
export type ChannelResult =
  | { readonly delivered: true; readonly attempts: number }
  | {
      readonly delivered: false;
      readonly attempts: number;
      readonly code: AlertRoutingCode;
      /** For an operator: what the channel said and what to do. Never contains a secret. */
      readonly message: string;
      /** Sending the alert again later can succeed (everything but a refused alert). */
      readonly retryLater: boolean;
    };

/** One configured route's channel: Slack, PagerDuty, a webhook or the SNS topic. */
export interface AlertChannel {
  readonly name: string;
  readonly type: AlertRouteType;
  /** Sends one alert. Never throws: every failure is in the result. */
  send(alert: AlertDocument, deadline: number): Promise<ChannelResult>;
  /** Releases keep-alive sockets (CLI and tests; a Lambda keeps them warm). */
  close?(): void;
}
