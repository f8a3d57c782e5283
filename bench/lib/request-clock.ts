import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request seen by the clock, on process.hrtime's clock (CLOCK_MONOTONIC: shared by every process). */
export interface TimedRequest {
  readonly arrivedAtNs: bigint;
  answeredAtNs?: bigint;
  /** The service has answered (or the request failed): nothing of it is still under way. */
  settled: boolean;
}

/**
 * A pass-through HTTP proxy in front of a local service (moto, the HEC receiver) that notes when each
 * request arrives and when its answer has gone out: when a process under test made its first request,
 * and how long it spent waiting for the service.
 */
export interface RequestClock {
  readonly url: string;
  readonly requests: readonly TimedRequest[];
  /** Forgets the requests seen so far. */
  clear(): void;
  /** Resolves with the arrival time of the first request after the last clear(). */
  firstRequest(): Promise<bigint>;
  /** Resolves once every request seen has settled at the service (e.g. after killing the client). */
  idle(): Promise<void>;
  /** Milliseconds during which at least one request was in flight (overlapping requests count once). */
  busyMs(): number;
  close(): Promise<void>;
}

export async function startRequestClock(target: string): Promise<RequestClock> {
  const agent = new Agent({ keepAlive: true });
  let requests: TimedRequest[] = [];
  let waiting: ((at: bigint) => void)[] = [];
  let idlers: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const timed: TimedRequest = { arrivedAtNs: process.hrtime.bigint(), settled: false };
    const settle = () => {
      timed.settled = true;
      if (requests.every((other) => other.settled)) {
        for (const resolve of idlers) resolve();
        idlers = [];
      }
    };
    requests.push(timed);
    for (const resolve of waiting) resolve(timed.arrivedAtNs);
    waiting = [];
    const upstream = request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', settle);
        answer.on('error', settle);
      },
    );
    upstream.on('error', () => {
      settle();
      res.destroy();
    });
    res.on('finish', () => (timed.answeredAtNs = process.hrtime.bigint()));
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    clear: () => {
      requests = [];
    },
    firstRequest: () =>
      requests.length > 0
        ? Promise.resolve(requests[0].arrivedAtNs)
        : new Promise((resolve) => waiting.push(resolve)),
    idle: () =>
      requests.every((timed) => timed.settled)
        ? Promise.resolve()
        : new Promise<void>((resolve) => idlers.push(resolve)),
    busyMs: () => {
      const spans = requests
        .map((timed) => [timed.arrivedAtNs, timed.answeredAtNs ?? timed.arrivedAtNs] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      let busy = 0n;
      let end = -1n;
      for (const [start, stop] of spans) {
        if (stop <= end) continue;
        busy += stop - (start > end ? start : end);
        end = stop;
      }
      return Number(busy) / 1e6;
    },
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
