import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface LoopbackServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 and a free port. No logging: receivers also serve the throughput
 * benchmark. `name` says whose bug a 599 answer is. Default: `receiver`.
 */
export async function startLoopbackServer(handler: Handler, name = 'receiver'): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      // A receiver bug must show in the test, not hang it: answer 599 with the message.
      if (!res.headersSent) res.writeHead(599, { 'content-type': 'text/plain' });
      res.end(`${name} error: ${error instanceof Error ? error.stack : String(error)}`);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The raw body of a request, or of an answer, as received (possibly gzipped). */
export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Decompresses according to Content-Encoding (gzip only, like HEC and Elasticsearch). */
export async function decodeBody(req: IncomingMessage, raw: Buffer): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  return encoding === 'gzip' ? gunzipAsync(raw) : raw;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Kills the connection without an answer: the client sees ECONNRESET / socket hang up. */
export function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Per-request fault selection: first from a programmed sequence, then by probability. */
export class FaultSchedule<F> {
  private readonly sequence: F[];

  constructor(
    sequence: readonly F[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.sequence = [...sequence];
  }

  /** Appends faults for the next requests. */
  push(...faults: F[]): void {
    this.sequence.push(...faults);
  }

  clear(): void {
    this.sequence.length = 0;
  }

  get pending(): number {
    return this.sequence.length;
  }

  /** The next programmed fault, else the first probability that fires, else undefined (answer normally). */
  next(probabilities: ReadonlyArray<readonly [F, number | undefined]>): F | undefined {
    if (this.sequence.length > 0) return this.sequence.shift();
    for (const [fault, probability] of probabilities) {
      if (probability !== undefined && probability > 0 && this.random() < probability) return fault;
    }
    return undefined;
  }
}
