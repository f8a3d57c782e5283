import type { AlertRoutingCode } from './codes';

/**
 * What one answer from a channel means, as its classifier reads it: delivered, try again (after the
 * channel's Retry-After when it gave one), or give up with a stable code.
 */
export type ChannelVerdict =
  | { readonly kind: 'delivered' }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      /** The channel's own wait, in ms (Slack's Retry-After): never retried earlier. */
      readonly retryAfterMs?: number;
      /** The code reported if retries run out. Default: ALERT_CHANNEL_UNAVAILABLE. */
      readonly code?: AlertRoutingCode;
    }
  | {
      readonly kind: 'give-up';
      readonly code: AlertRoutingCode;
      readonly message: string;
      /**
       * The answer blames the credential (a revoked Slack URL, an unknown routing key): the sender
       * re-reads the secret once, in case it was rotated, and tries again.
       */
      readonly credentialsSuspect?: boolean;
    };

export const delivered: ChannelVerdict = Object.freeze({ kind: 'delivered' });

export function retry(reason: string, retryAfterMs?: number, code?: AlertRoutingCode): ChannelVerdict {
  return { kind: 'retry', reason, retryAfterMs, code };
}

export function giveUp(code: AlertRoutingCode, message: string, credentialsSuspect = false): ChannelVerdict {
  return { kind: 'give-up', code, message, credentialsSuspect };
}
