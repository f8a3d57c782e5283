import { randomUUID } from 'node:crypto';
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { seededRandom } from '../../../../bench/data/random';
import { readRaw } from '../../../support/receivers/server';
import { drawFault, listenProxy, passAnswer, upstreamOf } from './upstream';

/**
 * A fault-injecting HTTP proxy in front of moto's endpoint, for DynamoDB clients only (the forwarder's
 * is pointed here by AWS_ENDPOINT_URL_DYNAMODB). It answers with DynamoDB's own error shapes (JSON 1.0
 * protocol, `__type` naming the error) or drops connections:
 *
 * - `throughput`: 400 `ProvisionedThroughputExceededException` (a hot partition, also on on-demand tables);
 * - `throttling`: 400 `ThrottlingException` (request rate above the account's or table's limit);
 * - `internal`: 500 `InternalServerError`;
 * - `reset`: the connection is destroyed before the request reaches moto (nothing applied);
 * - `lost`: the request is applied by moto, then the connection is destroyed instead of answering
 *   (the client cannot tell it from `reset`: it retries a write that already happened).
 *
 * Each request draws its fault from the seeded `probabilities` (the SDK's own retries, three
 * attempts, absorb most of them). Besides, every `doomEvery`-th call (an SDK invocation, named by its
 * `amz-sdk-invocation-id` header, whatever its attempts) is doomed: its first attempt is `lost` or
 * refused, and every retry refused, so the call fails after the SDK's retries and the caller (the
 * detections stage) sees DynamoDB fail.
 */
export type DynamoDbFault = 'pass' | 'throughput' | 'throttling' | 'internal' | 'reset' | 'lost';

export interface DynamoDbFaultProxyOptions {
  /** moto's endpoint. */
  readonly target: string;
  readonly seed: number;
  /** Probability of each fault per request (the rest pass). Default: none. */
  readonly probabilities?: Partial<Record<Exclude<DynamoDbFault, 'pass'>, number>>;
  /** Every this many calls, one is doomed to fail after all its attempts. Default: none. */
  readonly doomEvery?: number;
  /**
   * Decides a request's fault first, from its operation (`UpdateItem`…), JSON body and attempt
   * (1-based, the SDK's `amz-sdk-request`); `undefined` falls back to the doom and the draw.
   */
  readonly decide?: (request: {
    readonly operation: string;
    readonly body: string;
    readonly attempt: number;
  }) => DynamoDbFault | undefined;
}

export interface DynamoDbFaultCounters {
  requests: number;
  /** Distinct SDK calls (invocation ids) seen. */
  calls: number;
  /** Calls doomed to fail after every attempt. */
  doomedCalls: number;
  byFault: Record<DynamoDbFault, number>;
  /** Requests per DynamoDB operation (`X-Amz-Target`), e.g. `UpdateItem`. */
  byOperation: Record<string, number>;
}

export interface DynamoDbFaultProxy {
  readonly url: string;
  readonly counters: DynamoDbFaultCounters;
  close(): Promise<void>;
}

const JSON_10 = 'application/x-amz-json-1.0';

/** DynamoDB's answers for the refusals (the messages DynamoDB sends). */
const REFUSALS: Readonly<Record<'throughput' | 'throttling' | 'internal', { status: number; body: object }>> =
  {
    throughput: {
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      },
    },
    throttling: {
      status: 400,
      body: {
        __type: 'com.amazon.coral.availability#ThrottlingException',
        message: 'Rate of requests exceeds the allowed throughput.',
      },
    },
    internal: {
      status: 500,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error',
      },
    },
  };

export async function startDynamoDbFaultProxy(
  options: DynamoDbFaultProxyOptions,
): Promise<DynamoDbFaultProxy> {
  const random = seededRandom(options.seed);
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const counters: DynamoDbFaultCounters = {
    requests: 0,
    calls: 0,
    doomedCalls: 0,
    byFault: { pass: 0, throughput: 0, throttling: 0, internal: 0, reset: 0, lost: 0 },
    byOperation: {},
  };
  /** Invocation ids seen, and whether each is doomed. */
  const calls = new Map<string, boolean>();

  const draw = (): DynamoDbFault => {
    return drawFault(
      random.next(),
      ['throughput', 'throttling', 'internal', 'reset', 'lost'],
      options.probabilities,
    );
  };

  /** A doomed call: its first attempt may be applied (answer lost); every later one is refused. */
  const doomedFault = (attempt: number): DynamoDbFault => {
    if (attempt === 1 && random.chance(0.5)) return 'lost';
    return random.pick(['throughput', 'throttling', 'internal', 'reset'] as const);
  };

  const decide = (req: IncomingMessage, operation: string, body: Buffer): DynamoDbFault => {
    // Without the SDK's headers (another client), each request is a call of its own.
    const invocation = String(req.headers['amz-sdk-invocation-id'] ?? randomUUID());
    const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
    const decided = options.decide?.({ operation, body: body.toString('utf8'), attempt });
    if (decided !== undefined) return decided;
    let doomed = calls.get(invocation);
    if (doomed === undefined) {
      counters.calls += 1;
      doomed = options.doomEvery !== undefined && counters.calls % options.doomEvery === 0;
      if (doomed) counters.doomedCalls += 1;
      calls.set(invocation, doomed);
    }
    return doomed ? doomedFault(attempt) : draw();
  };

  const forward = upstreamOf(target, agent);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests += 1;
    const operation = String(req.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    const body = await readRaw(req);
    const fault = decide(req, operation, body);
    counters.byFault[fault] += 1;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'throughput' || fault === 'throttling' || fault === 'internal') {
      const { status, body: answer } = REFUSALS[fault];
      const text = JSON.stringify(answer);
      res.writeHead(status, {
        'content-type': JSON_10,
        'content-length': String(Buffer.byteLength(text)),
        'x-amzn-requestid': randomUUID().replace(/-/g, '').toUpperCase(),
      });
      res.end(text);
      return;
    }
    const answer = await forward(req, body);
    if (fault === 'lost') {
      req.socket.destroy();
      return;
    }
    passAnswer(res, answer);
  };

  const server = await listenProxy('fault proxy', handle, { agent });
  return {
    url: server.url,
    counters,
    close: server.close,
  };
}
