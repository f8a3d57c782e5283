import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP proxy that keeps its clients' connections open. moto answers every request
 * with `Connection: close`, so an AWS SDK client talking to it opens a connection per request, which
 * it never does with AWS (keep-alive): in front of moto, the SDK's CPU per request is what it is
 * against AWS, less TLS. The proxy runs in the process that starts it, so its own CPU is not the
 * client's.
 */
export interface KeepAliveProxy {
  readonly url: string;
  close(): Promise<void>;
}

/** Hop-by-hop headers of moto's answers: the proxy's connection to its client is its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive']);

export async function startKeepAliveProxy(target: string): Promise<KeepAliveProxy> {
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        const headers = Object.fromEntries(
          Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
        );
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
