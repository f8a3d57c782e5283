import { SluiceError, errorMessage } from '../../errors';
import type { HttpTransport } from '../../http/client';
import type { Limiter } from '../../http/limiter';
import type { Authorizer } from '../auth';
import { SinkCodes } from '../codes';
import type { SinkObserver } from '../types';
import { ackQueryBody, classifyAckAnswer, type AckAnswer } from './ack-answers';
import type { AckQuery, AckQueryResult } from './ack-tracker';

export interface AckQueryOptions {
  /** Destination name, for observer events and messages. */
  readonly name: string;
  /** `…/services/collector/ack`. */
  readonly url: URL;
  /** The session's transport: it adds the channel (a query sees only its own channel's ackIds) and cookies. */
  readonly transport: HttpTransport;
  /** The destination's limiter: a query is one of its parallel requests. */
  readonly limiter: Limiter;
  /** The token; `refresh` re-reads it after a 401/403. */
  readonly authorizer: Authorizer;
  readonly requestTimeoutMs: number;
  readonly now: () => number;
  /** The observer of the invocation running now (metrics are per invocation). */
  readonly observer: () => SinkObserver | undefined;
}

/**
 * `POST /services/collector/ack?channel=…` with `{"acks":[…]}`: the channel travels in the
 * `X-Splunk-Request-Channel` header like on event requests. After a 401/403 the token is re-read once,
 * as for events; refused again, every pending wait fails (DESTINATION_AUTH_FAILED).
 */
export function createAckQuery(options: AckQueryOptions): AckQuery {
  const { name, url, transport, limiter, authorizer, now } = options;

  const ask = (ackIds: readonly number[], deadline: number): Promise<AckAnswer> =>
    limiter.run(async () => {
      const started = now();
      // The limiter may have kept the query waiting past the deadline.
      if (started >= deadline) return { kind: 'unavailable', reason: 'no time left for another query' };
      const body = Buffer.from(ackQueryBody(ackIds), 'utf8');
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(body.byteLength),
        host: url.host,
      };
      let authHeaders: Record<string, string>;
      try {
        authHeaders = await authorizer.headers({ method: 'POST', url, headers, body, deadline });
      } catch (error) {
        if (error instanceof SluiceError && error.context.retryable === true)
          return { kind: 'unavailable', reason: errorMessage(error) };
        const code = error instanceof SluiceError ? error.code : SinkCodes.AUTH_UNAVAILABLE;
        return { kind: 'failed', code, message: `${name}: ${errorMessage(error)}` };
      }
      const result = await transport.request({
        method: 'POST',
        url,
        headers: { ...headers, ...authHeaders },
        body,
        timeoutMs: Math.max(1, Math.min(options.requestTimeoutMs, deadline - started)),
      });
      const durationMs = now() - started;
      if (!result.ok) {
        options.observer()?.request(name, { status: 'network-error', bytes: body.byteLength, durationMs });
        if (!result.error.retryable) {
          return { kind: 'failed', code: SinkCodes.TLS_FAILED, message: `${name}: ${result.error.message}` };
        }
        return { kind: 'unavailable', reason: result.error.code };
      }
      const { response } = result;
      options.observer()?.request(name, { status: response.status, bytes: body.byteLength, durationMs });
      return classifyAckAnswer(response);
    });

  return async (ackIds, deadline): Promise<AckQueryResult> => {
    let answer = await ask(ackIds, deadline);
    if (answer.kind !== 'auth-refused') return answer;
    try {
      await authorizer.refresh();
    } catch (error) {
      const code = error instanceof SluiceError ? error.code : SinkCodes.AUTH_UNAVAILABLE;
      return { kind: 'failed', code, message: `${name}: ${errorMessage(error)}` };
    }
    answer = await ask(ackIds, deadline);
    if (answer.kind !== 'auth-refused') return answer;
    options.observer()?.authFailure(name, answer.status);
    return {
      kind: 'failed',
      code: SinkCodes.AUTH_FAILED,
      message: `${name} refused the credentials on the acknowledgement endpoint (HTTP ${answer.status}: ${answer.message}) even after re-reading the secret. Fix: check the token/secret`,
    };
  };
}
