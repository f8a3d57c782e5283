import * as http from 'node:http';
import * as https from 'node:https';
import { NetworkError, toNetworkError } from './errors';

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  /** Sent as given (lower-case names); Content-Length is set from the body. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** The whole exchange (connect, send, read the answer) must finish within this. */
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Either an HTTP answer (whatever its status) or the reason there was none. Nothing is thrown. */
export type HttpResult =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly error: NetworkError };

/** What the delivery loop needs from a client; tests substitute fakes. */
export interface HttpTransport {
  request(request: HttpRequest): Promise<HttpResult>;
  close?(): void;
}

export interface HttpClientOptions {
  /** Sockets kept per host: match the destination's request concurrency. */
  readonly maxSockets: number;
  /** Answers larger than this are abandoned (a misbehaving proxy must not exhaust the Lambda's memory). */
  readonly maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * One client per destination, owning its keep-alive agents: TLS handshakes are paid once per socket, not
 * per batch, and a warm Lambda reuses them across invocations. TLS verification is always on: Node's
 * defaults verify the chain and the host name, and nothing here can turn that off.
 */
export class HttpClient implements HttpTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly maxResponseBytes: number;

  constructor(options: HttpClientOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  request(request: HttpRequest): Promise<HttpResult> {
    return new Promise<HttpResult>((resolve) => {
      const context = { method: request.method, host: request.url.host, path: request.url.pathname };
      let settled = false;
      const settle = (result: HttpResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (error: unknown): void => settle({ ok: false, error: toNetworkError(error, context) });

      const isHttps = request.url.protocol === 'https:';
      const send = isHttps ? https.request : http.request;
      const req = send(request.url, {
        method: request.method,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        headers: { ...request.headers, 'content-length': String(request.body.byteLength) },
      });

      // One timer for the whole exchange: a per-socket idle timeout would let a slow drip run forever.
      const timer = setTimeout(() => {
        const error = new NetworkError(
          'timeout',
          `no complete answer within ${request.timeoutMs} ms`,
          context,
        );
        fail(error);
        req.destroy();
      }, request.timeoutMs);

      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            const error = new NetworkError(
              'response-too-large',
              `answer exceeded ${this.maxResponseBytes} bytes`,
              context,
            );
            fail(error);
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          settle({
            ok: true,
            response: {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks, size).toString('utf8'),
            },
          });
        });
        // A socket closed mid-answer ends without 'end': it is a reset, not a short answer.
        res.on('close', () => {
          if (!res.complete)
            fail(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }));
        });
      });
      req.end(request.body);
    });
  }

  /** Closes idle keep-alive sockets (CLI and tests; a Lambda keeps them for the next invocation). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
