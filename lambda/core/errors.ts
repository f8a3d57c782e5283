/**
 * Every error sluice raises on purpose carries a stable `code` (for alarms, metrics and runbooks)
 * and the context an operator needs to act on it. Context must never contain secrets or record content.
 */
export class SluiceError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
    this.context = context;
  }
}

export function errorCode(error: unknown): string {
  return error instanceof SluiceError ? error.code : 'UNEXPECTED';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
