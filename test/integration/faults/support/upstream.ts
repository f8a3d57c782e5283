import { request, type Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readRaw, startLoopbackServer } from '../../../support/receivers/server';

/** A proxied answer, read whole so a proxy can pass it on, change it or lose it. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** Sends a proxied request on to `target` as it came (method, path, headers), over `agent`. */
export function upstreamOf(
  target: URL,
  agent: Agent,
): (req: IncomingMessage, body: Buffer) => Promise<UpstreamAnswer> {
  return (req, body) =>
    new Promise((resolve, reject) => {
      const upstream = request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
          agent,
        },
        (res) => {
          readRaw(res).then(
            (answer) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: answer }),
            reject,
          );
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
}

/** A fault drawn from a seeded roll: each fault takes its probability's share of [0, 1), the rest passes. */
export function drawFault<F extends string>(
  roll: number,
  faults: readonly F[],
  probabilities: Partial<Record<F, number>> | undefined,
): F | 'pass' {
  let rest = roll;
  for (const fault of faults) {
    const probability = probabilities?.[fault] ?? 0;
    if (rest < probability) return fault;
    rest -= probability;
  }
  return 'pass';
}

/** Passes an upstream answer on, whole: its length is known (no chunked encoding), and the proxy keeps its own connections. */
export function passAnswer(res: ServerResponse, answer: UpstreamAnswer): void {
  const { 'transfer-encoding': _chunked, connection: _connection, ...headers } = answer.headers;
  res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
  res.end(answer.body);
}

/** A fault proxy's server: its address, the client connections it holds, and how to stop it. */
export interface ProxyServer {
  readonly url: string;
  readonly sockets: ReadonlySet<Socket>;
  /** Drops every client connection, then the upstream agent's, then stops listening. */
  close(): Promise<void>;
}

/**
 * Serves `handle` on a local port with 30 s keep-alive (startLoopbackServer). A handler that throws
 * answers 599 with `<name> error: …`. `onSocketClose` is told of each client connection that closes.
 */
export async function listenProxy(
  name: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { readonly agent: Agent; readonly onSocketClose?: (socket: Socket) => void },
): Promise<ProxyServer> {
  const sockets = new Set<Socket>();
  const loopback = await startLoopbackServer(handle, name);
  loopback.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      options.onSocketClose?.(socket);
    });
  });
  return {
    url: loopback.url,
    sockets,
    close: () => {
      options.agent.destroy();
      return loopback.close();
    },
  };
}
