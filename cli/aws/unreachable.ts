import { SluiceError } from '../../lambda/core/errors';

/** Node's system errors for an endpoint that cannot be reached (not an answer: none came). */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface SystemError extends Error {
  readonly code: string;
  readonly hostname?: string;
  readonly address?: string;
  readonly port?: number;
}

/** Where the command was pointed: what the fix names. */
export interface EndpointContext {
  /** The region in use (flag or environment), when known. */
  readonly region?: string;
  /** --endpoint-url / AWS_ENDPOINT_URL, when given. */
  readonly endpointUrl?: string;
}

/**
 * An AWS call that reached nothing (an unknown host, a refused connection, no route), as a coded
 * error naming the host and the fix; undefined for any other error. The SDK passes Node's own
 * (`getaddrinfo ENOTFOUND cloudformation.us-east-9.amazonaws.com`), which names neither a region
 * that does not exist nor a local endpoint that is not running.
 */
export function awsEndpointUnreachable(error: unknown, where: EndpointContext): SluiceError | undefined {
  const system = systemErrorIn(error);
  if (!system) return undefined;
  const target =
    system.hostname ?? (system.address ? `${system.address}:${system.port ?? ''}` : 'the endpoint');
  const fix = where.endpointUrl
    ? `start what should answer at ${where.endpointUrl} (moto: python3 -m moto.server -p <port>), or correct --endpoint-url / AWS_ENDPOINT_URL`
    : `check the region${where.region ? ` ('${where.region}')` : ''} is an AWS region, e.g. us-east-1 (--region, AWS_REGION), and that this machine reaches AWS (DNS, firewall)`;
  const what =
    system.code === 'ENOTFOUND' || system.code === 'EAI_AGAIN'
      ? `cannot resolve ${target}`
      : system.code === 'ECONNREFUSED'
        ? `nothing accepts connections at ${target}`
        : `no connection to ${target}`;
  return new SluiceError(
    'AWS_ENDPOINT_UNREACHABLE',
    `${what} (${system.message}): the AWS call could not be made. Fix: ${fix}`,
    { endpoint: target, code: system.code },
    { cause: error },
  );
}

function systemErrorIn(error: unknown): SystemError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const { code } = current as Partial<SystemError>;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return current as SystemError;
    current = current.cause;
  }
  return undefined;
}
