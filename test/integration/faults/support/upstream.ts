import { request, type Agent, type IncomingMessage } from 'node:http';

/** A proxied answer, read whole so a proxy can pass it on, change it or lose it. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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
          readBody(res).then(
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
