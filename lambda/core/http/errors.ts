import { SluiceError } from '../errors';

/** What went wrong below HTTP: the sink decides whether it is worth another attempt. */
export type NetworkErrorKind =
  'timeout' | 'reset' | 'refused' | 'dns' | 'tls' | 'response-too-large' | 'other';

const CODES: Readonly<Record<NetworkErrorKind, string>> = {
  timeout: 'HTTP_TIMEOUT',
  reset: 'HTTP_CONNECTION_RESET',
  refused: 'HTTP_CONNECTION_REFUSED',
  dns: 'HTTP_DNS_FAILURE',
  tls: 'HTTP_TLS_FAILURE',
  'response-too-large': 'HTTP_RESPONSE_TOO_LARGE',
  other: 'HTTP_NETWORK_ERROR',
};

/** A request that got no complete HTTP answer. HTTP statuses are never errors: they are answers. */
export class NetworkError extends SluiceError {
  readonly kind: NetworkErrorKind;

  constructor(
    kind: NetworkErrorKind,
    message: string,
    context: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(CODES[kind], message, context, { cause });
    this.name = 'NetworkError';
    this.kind = kind;
  }

  /**
   * A certificate that does not verify will not verify on the next attempt either: retrying it only burns
   * the invocation. Everything else (resets, timeouts, refused while a node restarts) is usually transient.
   */
  get retryable(): boolean {
    return this.kind !== 'tls';
  }
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);

/** Maps a Node socket/TLS error to a typed NetworkError (the original stays as `cause`). */
export function toNetworkError(error: unknown, context: Record<string, unknown>): NetworkError {
  if (error instanceof NetworkError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  let kind: NetworkErrorKind = 'other';
  if (RESET_CODES.has(code)) kind = 'reset';
  else if (code === 'ECONNREFUSED') kind = 'refused';
  else if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') kind = 'timeout';
  else if (DNS_CODES.has(code)) kind = 'dns';
  else if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    /CERT|SELF_SIGNED|UNABLE_TO_/.test(code)
  )
    kind = 'tls';
  return new NetworkError(kind, `${code || 'network error'}: ${message}`, { ...context, errno: code }, error);
}
