import { errorMessage, SluiceError } from '../../errors';
import { parseRetryAfter } from '../../retry/backoff';
import type { HttpResponse, HttpTransport } from '../../http/client';
import { createLimiter, type Limiter } from '../../http/limiter';
import type { SecretSource } from '../../sinks/types';
import type { AlertDocument } from '../alerts/document';
import type { AlertChannel, ChannelResult } from './channel';
import { AlertRoutingCodes } from './codes';
import type { AlertRouteType } from './config';
import { defaultSleep, sendWithRetries, undelivered, type SenderOptions } from './sender';
import { giveUp, retry, type ChannelVerdict } from './verdict';

/**
 * The longest a `Retry-After` holds the channel's other alerts: past it the channel asks again (and
 * is told again if still closed). A proxy answering a year must not silence a route for as long as
 * the Lambda environment lives.
 */
export const MAX_CHANNEL_HOLD_MS = 3_600_000;

/** One request to a channel, built from the alert and the route's secret. */
export interface AlertRequest {
  readonly url: URL;
  /** Besides content-type, which is always `application/json`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
  /**
   * What the request carries of the secret (the URL's path and query, a token, a routing key): no
   * message may quote it, and an answer can echo the request (`Cannot POST /services/T…/B…/…`).
   */
  readonly secrets?: readonly string[];
}

/** The channel-specific half: how to write the request and how to read the answer. */
export interface HttpAlertProtocol {
  readonly type: Exclude<AlertRouteType, 'sns'>;
  /** Throws a SluiceError (ALERT_SECRET_INVALID) when the secret has the wrong shape. */
  request(alert: AlertDocument, secret: string): AlertRequest;
  classify(response: HttpResponse): ChannelVerdict;
}

export interface HttpChannelOptions {
  readonly name: string;
  readonly protocol: HttpAlertProtocol;
  readonly transport: HttpTransport;
  readonly secret: SecretSource;
  readonly requestTimeoutMs: number;
  /** Requests in flight to this channel at once. Default: 1 (Slack takes about one message a second). */
  readonly concurrency?: number;
  readonly sender?: SenderOptions;
}

async function readSecret(read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(
      AlertRoutingCodes.SECRET_UNREADABLE,
      `the route's secret cannot be read: ${errorMessage(error)}`,
    );
  }
}

/**
 * The answer with every part of the secret it echoes cut out, before its classifier quotes it: cut
 * afterwards, an excerpt that ends inside a token would keep the token's start.
 */
function redacted(response: HttpResponse, secrets: readonly string[]): HttpResponse {
  const parts = secrets.filter((part) => part.length > 1).sort((a, b) => b.length - a.length);
  const body = parts.reduce((text, part) => text.split(part).join('[redacted]'), response.body);
  return body === response.body ? response : { ...response, body };
}

/**
 * An alert channel over HTTP (Slack, PagerDuty, a webhook): reads the secret (cached by its source),
 * posts the encoded alert, and lets the protocol's classifier read the answer; the sender retries.
 */
export function createHttpChannel(options: HttpChannelOptions): AlertChannel {
  const { name, protocol, transport, secret } = options;
  const limiter: Limiter = createLimiter(options.concurrency ?? 1);
  const now = options.sender?.now ?? Date.now;
  const sleep = options.sender?.sleep ?? defaultSleep;
  /**
   * The channel's last Retry-After, as an epoch ms: it holds every alert to this channel, not only the
   * one that was answered 429, and outlives the invocation (channels live as long as the Lambda
   * environment), so an alert given up on at the deadline is not posted early by the next one.
   */
  let notBefore = 0;

  /** Waits out the channel's Retry-After; an alert it would hold past the deadline is not sent. */
  async function waitForChannel(deadline: number): Promise<ChannelResult | undefined> {
    const waitMs = notBefore - now();
    if (waitMs <= 0) return undefined;
    if (notBefore >= deadline) {
      return undelivered(
        0,
        AlertRoutingCodes.UNAVAILABLE,
        `${name} asked to wait until ${new Date(notBefore).toISOString()} (Retry-After), past the deadline: not sent`,
      );
    }
    await sleep(waitMs);
    return undefined;
  }

  async function attempt(alert: AlertDocument, remainingMs: number): Promise<ChannelVerdict> {
    let value: string;
    try {
      value = await readSecret(() => secret.get());
    } catch (error) {
      // Secrets Manager busy or unreachable: worth another try within the deadline.
      return retry(errorMessage(error), undefined, AlertRoutingCodes.SECRET_UNREADABLE);
    }
    const request = protocol.request(alert, value);
    const body = Buffer.from(request.body, 'utf8');
    const result = await transport.request({
      method: 'POST',
      url: request.url,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'sluice',
        ...request.headers,
      },
      body,
      timeoutMs: Math.max(1, Math.min(options.requestTimeoutMs, remainingMs)),
    });
    if (!result.ok) {
      if (!result.error.retryable) return giveUp(AlertRoutingCodes.TLS_FAILED, result.error.message);
      return retry(result.error.code);
    }
    let verdict = protocol.classify(redacted(result.response, request.secrets ?? []));
    if (verdict.kind === 'retry' && verdict.retryAfterMs === undefined) {
      const retryAfterMs = parseRetryAfter(result.response.headers['retry-after'], now());
      if (retryAfterMs !== undefined) verdict = { ...verdict, retryAfterMs };
    }
    if (verdict.kind === 'retry' && verdict.retryAfterMs !== undefined)
      notBefore = Math.max(notBefore, now() + Math.min(verdict.retryAfterMs, MAX_CHANNEL_HOLD_MS));
    return verdict;
  }

  return {
    name,
    type: protocol.type,
    send: (alert, deadline) =>
      limiter.run(
        async () =>
          (await waitForChannel(deadline)) ??
          sendWithRetries(
            name,
            (remainingMs) => attempt(alert, remainingMs),
            deadline,
            options.sender,
            async () => {
              await readSecret(() => secret.refresh());
            },
          ),
      ),
    close: () => transport.close?.(),
  };
}
