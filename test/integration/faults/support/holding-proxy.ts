import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A proxy in front of a local receiver that holds, unanswered, every request whose (decompressed)
 * body `holds` picks, and passes the others through: a destination that is stuck for some records
 * only, for as long as the test wants (no timer: `open()` lets later requests through, `close()`
 * drops the held ones).
 */
export interface HoldingProxy {
  readonly url: string;
  /** Requests held so far. */
  readonly held: number;
  /** From now on, pass every request through. */
  open(): void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function pass(target: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const upstream = request(
    {
      hostname: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => req.socket.destroy());
  upstream.end(body);
}

export async function startHoldingProxy(
  target: string,
  holds: (body: string) => boolean,
): Promise<HoldingProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let held = 0;
  let opened = false;
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
        if (!opened && holds(text)) {
          held += 1;
          return;
        }
        pass(upstream, req, body, res);
      },
      () => req.socket.destroy(),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get held() {
      return held;
    },
    open: () => {
      opened = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
