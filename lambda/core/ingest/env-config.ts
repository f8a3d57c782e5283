import type { z } from 'zod';
import { SluiceError } from '../errors';
import { parseAllowedLogTypes } from './log-type';

interface LogTypeSettings {
  readonly DEFAULT_LOG_TYPE?: string;
  readonly ALLOWED_LOG_TYPES?: string;
}

/**
 * Validates an ingest function's environment and its log-type settings, failing with one
 * `INGEST_CONFIG_INVALID` error that names every problem and which function it belongs to.
 */
export function parseIngestEnvironment<Schema extends z.ZodType<LogTypeSettings>>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): { readonly value: z.output<Schema>; readonly allowedLogTypes?: ReadonlySet<string> } {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new SluiceError('INGEST_CONFIG_INVALID', `${what} configuration: ${problems.join('; ')}`, {
      problems,
    });
  }
  const value = parsed.data;
  let allowedLogTypes: ReadonlySet<string> | undefined;
  try {
    allowedLogTypes = parseAllowedLogTypes(value.ALLOWED_LOG_TYPES);
  } catch (error) {
    throw new SluiceError(
      'INGEST_CONFIG_INVALID',
      `${what} configuration: ALLOWED_LOG_TYPES ${(error as Error).message}`,
    );
  }
  if (
    allowedLogTypes &&
    value.DEFAULT_LOG_TYPE !== undefined &&
    !allowedLogTypes.has(value.DEFAULT_LOG_TYPE)
  ) {
    throw new SluiceError(
      'INGEST_CONFIG_INVALID',
      `${what} configuration: DEFAULT_LOG_TYPE is not in ALLOWED_LOG_TYPES`,
    );
  }
  return { value, allowedLogTypes };
}
