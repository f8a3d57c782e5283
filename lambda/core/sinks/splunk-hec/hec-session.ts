import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpResult, HttpTransport } from '../../http/client';

/**
 * What ties every request of a forwarder execution environment to the acknowledgements it waits for.
 *
 * - The channel: HEC keeps ackIds per channel, so one client uses one channel for its events and its ack
 *   queries. A random GUID per execution environment (cold start): environments never share one, so
 *   ackIds never collide between them.
 * - The cookies a load balancer sets for sticky sessions (e.g. AWSALB): ackIds live on the indexer that
 *   took the events, so the ack queries must reach that indexer too. The cookies are sent back on every
 *   request, to the one host this destination talks to. Until a first answer came back, requests go one
 *   at a time: sent together, they would be spread over indexers before any cookie was known.
 */
export class HecSession {
  readonly channel: string;
  private readonly cookies = new Map<string, string>();
  private answered = false;
  /** The first exchange, while it lasts: the others wait for its cookies. */
  private opening: Promise<void> | undefined;

  constructor(channel: string = randomUUID()) {
    this.channel = channel;
  }

  /** The headers every request of this session carries. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = { 'x-splunk-request-channel': this.channel };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    return headers;
  }

  /** `inner` with the session's headers on every request, its answers' cookies remembered. */
  transport(inner: HttpTransport): HttpTransport {
    return {
      request: (request) =>
        this.exchange(() =>
          inner.request({ ...request, headers: { ...request.headers, ...this.headers() } }),
        ),
      close: () => inner.close?.(),
    };
  }

  private async exchange(send: () => Promise<HttpResult>): Promise<HttpResult> {
    while (!this.answered && this.opening) await this.opening;
    if (this.answered) return this.keep(await send());
    let opened: () => void = () => undefined;
    this.opening = new Promise<void>((resolve) => (opened = resolve));
    try {
      return this.keep(await send());
    } finally {
      // No answer (a reset, a timeout): the next request opens the session instead.
      this.opening = undefined;
      opened();
    }
  }

  private keep(result: HttpResult): HttpResult {
    if (result.ok) {
      this.answered = true;
      this.remember(result.response.headers);
    }
    return result;
  }

  /** Keeps the cookies an answer sets (name=value; attributes other than expiry are irrelevant here). */
  remember(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair, ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      if (attributes.some(expiresNow)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** `Max-Age=0` (or negative): the server deletes the cookie. */
function expiresNow(attribute: string): boolean {
  const [name, value] = attribute.split('=');
  return name.trim().toLowerCase() === 'max-age' && Number(value) <= 0;
}
