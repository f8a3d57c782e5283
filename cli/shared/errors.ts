import { SluiceError } from '../../lambda/core/errors';

/** Exit codes: 0 done, 1 the work failed (or a check did not pass), 2 bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A command's failure that has already been explained to the operator. */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}

const USAGE_CODES = new Set([
  'AWS_CREDENTIALS_MISSING',
  'AWS_PROFILE_NOT_FOUND',
  'AWS_REGION_MISSING',
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'DEPLOYMENT_ENV_INCOMPLETE',
  // Python or moto missing for the local pipeline: the machine's set-up, as for credentials.
  'MOTO_UNAVAILABLE',
  'USAGE',
]);

export function exitCodeOf(error: unknown): number {
  if (error instanceof CommandFailed) return error.exitCode;
  if (error instanceof SluiceError && USAGE_CODES.has(error.code)) return EXIT.usage;
  return EXIT.failed;
}

export function usageError(message: string): SluiceError {
  return new SluiceError('USAGE', message);
}
